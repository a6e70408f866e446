package dev.jvmm.devices.i8042;

import dev.jvmm.devices.bus.BusDevice;
import dev.jvmm.devices.irq.InterruptLine;

import java.util.Objects;

/**
 * The i8042 PS/2 controller, as far as Linux's i8042 probe and {@code reboot=k} need it: the data port (0x60),
 * the status/command port (0x64), the controller command byte, the output port and the reset line. No keyboard
 * or mouse is attached: bytes sent to the devices are dropped, so only controller replies and the 0xD2/0xD3
 * loop-back commands ever fill the output buffer.
 *
 * <p>Registered either as one device over {@code [0x60, 0x65)} (this object; offsets 1-3 read 0xff and ignore
 * writes) or, when port 0x61 (system control port B) needs a device of its own, as the two one-port views
 * {@link #dataPort()} at 0x60 and {@link #commandPort()} at 0x64.
 */
public final class I8042 implements BusDevice {
    public static final int DATA_PORT = 0x60;
    public static final int COMMAND_PORT = 0x64;
    /** Length of the single range from {@link #DATA_PORT} that covers both ports. */
    public static final int RANGE_LENGTH = 5;

    private static final int STATUS_OBF = 0x01;
    private static final int STATUS_SYS = 0x04;
    private static final int STATUS_CMD = 0x08;
    private static final int STATUS_UNLOCKED = 0x10;
    private static final int STATUS_AUXDATA = 0x20;

    private static final int CTR_KBDINT = 0x01;
    private static final int CTR_AUXINT = 0x02;
    private static final int CTR_SYS = 0x04;
    private static final int CTR_KBDDIS = 0x10;
    private static final int CTR_AUXDIS = 0x20;
    private static final int CTR_XLATE = 0x40;

    private static final int CMD_READ_CTR = 0x20;
    private static final int CMD_WRITE_CTR = 0x60;
    private static final int CMD_AUX_DISABLE = 0xa7;
    private static final int CMD_AUX_ENABLE = 0xa8;
    private static final int CMD_AUX_TEST = 0xa9;
    private static final int CMD_SELF_TEST = 0xaa;
    private static final int CMD_KBD_TEST = 0xab;
    private static final int CMD_KBD_DISABLE = 0xad;
    private static final int CMD_KBD_ENABLE = 0xae;
    private static final int CMD_READ_OUTPUT_PORT = 0xd0;
    private static final int CMD_WRITE_OUTPUT_PORT = 0xd1;
    private static final int CMD_KBD_LOOP = 0xd2;
    private static final int CMD_AUX_LOOP = 0xd3;
    private static final int CMD_AUX_SEND = 0xd4;
    private static final int CMD_PULSE_FIRST = 0xf0;

    private static final int SELF_TEST_PASSED = 0x55;
    private static final int INTERFACE_TEST_PASSED = 0x00;
    /** Output port bit 0 drives the CPU reset line, active low; bit 1 is the A20 gate. */
    private static final int OUTPUT_PORT_RESET = 0x01;
    private static final int OUTPUT_PORT_A20 = 0x02;

    private static final int QUEUE_SIZE = 16;

    private final InterruptLine kbdIrq;
    private final InterruptLine auxIrq;
    private final Runnable onResetRequest;
    private final BusDevice dataPort = new Port(0);
    private final BusDevice commandPort = new Port(COMMAND_PORT - DATA_PORT);

    private final byte[] queue = new byte[QUEUE_SIZE];
    private final boolean[] queueAux = new boolean[QUEUE_SIZE];
    private int queueHead;
    private int queueCount;
    private int lastData;

    private int ctr = CTR_KBDINT | CTR_SYS | CTR_XLATE; // as firmware leaves it after POST
    private int outputPort = OUTPUT_PORT_RESET | OUTPUT_PORT_A20;
    private boolean lastWriteWasCommand;
    private int pendingCommand;
    private boolean kbdIrqAsserted;
    private boolean auxIrqAsserted;

    /** A controller raising IRQ1 on {@code kbdIrq}, with no mouse interrupt wired. */
    public I8042(InterruptLine kbdIrq, Runnable onResetRequest) {
        this(kbdIrq, InterruptLine.NONE, onResetRequest);
    }

    /**
     * A controller raising IRQ1 on {@code kbdIrq} and IRQ12 on {@code auxIrq}; {@code onResetRequest} runs on
     * the vCPU thread when the guest pulses the reset line (its way to reboot), outside the device's lock.
     */
    public I8042(InterruptLine kbdIrq, InterruptLine auxIrq, Runnable onResetRequest) {
        this.kbdIrq = Objects.requireNonNull(kbdIrq, "kbdIrq");
        this.auxIrq = Objects.requireNonNull(auxIrq, "auxIrq");
        this.onResetRequest = Objects.requireNonNull(onResetRequest, "onResetRequest");
    }

    /** Port 0x60 alone, for a one-port registration at {@link #DATA_PORT}. */
    public BusDevice dataPort() {
        return dataPort;
    }

    /** Port 0x64 alone, for a one-port registration at {@link #COMMAND_PORT}. */
    public BusDevice commandPort() {
        return commandPort;
    }

    /** Offsets from port 0x60: 0 is the data port, 4 the status/command port. */
    @Override
    public long read(long offset, int size) {
        int value;
        if (offset == 0) {
            value = readData();
        } else if (offset == COMMAND_PORT - DATA_PORT) {
            value = readStatus();
        } else {
            value = 0xff;
        }
        return value | (size > 1 ? -1L << 8 : 0);
    }

    @Override
    public void write(long offset, int size, long value) {
        boolean reset;
        if (offset == 0) {
            reset = writeData((int) value & 0xff);
        } else if (offset == COMMAND_PORT - DATA_PORT) {
            reset = writeCommand((int) value & 0xff);
        } else {
            reset = false;
        }
        if (reset) {
            onResetRequest.run();
        }
    }

    private synchronized int readStatus() {
        int status = STATUS_UNLOCKED | (ctr & CTR_SYS) | (lastWriteWasCommand ? STATUS_CMD : 0);
        if (queueCount > 0) {
            status |= STATUS_OBF | (queueAux[queueHead] ? STATUS_AUXDATA : 0);
        }
        return status;
    }

    private synchronized int readData() {
        if (queueCount > 0) {
            lastData = queue[queueHead] & 0xff;
            queueHead = (queueHead + 1) % QUEUE_SIZE;
            queueCount--;
            updateInterrupts();
        }
        // An empty buffer reads back the last byte, as the real latch does.
        return lastData;
    }

    /** Returns whether the write asked for a reset. */
    private synchronized boolean writeData(int value) {
        lastWriteWasCommand = false;
        int command = pendingCommand;
        pendingCommand = 0;
        switch (command) {
            case CMD_WRITE_CTR -> {
                ctr = value;
                updateInterrupts();
            }
            case CMD_WRITE_OUTPUT_PORT -> {
                outputPort = value;
                return (value & OUTPUT_PORT_RESET) == 0;
            }
            case CMD_KBD_LOOP -> push(value, false);
            case CMD_AUX_LOOP -> push(value, true);
            default -> { } // CMD_AUX_SEND or no command: no keyboard or mouse is attached to take the byte
        }
        return false;
    }

    /** Returns whether the command asked for a reset. */
    private synchronized boolean writeCommand(int command) {
        lastWriteWasCommand = true;
        pendingCommand = 0;
        switch (command) {
            case CMD_READ_CTR -> push(ctr, false);
            case CMD_WRITE_CTR, CMD_WRITE_OUTPUT_PORT, CMD_KBD_LOOP, CMD_AUX_LOOP, CMD_AUX_SEND ->
                    pendingCommand = command;
            case CMD_AUX_DISABLE -> ctr |= CTR_AUXDIS;
            case CMD_AUX_ENABLE -> ctr &= ~CTR_AUXDIS;
            case CMD_AUX_TEST, CMD_KBD_TEST -> push(INTERFACE_TEST_PASSED, false);
            case CMD_SELF_TEST -> push(SELF_TEST_PASSED, false);
            case CMD_KBD_DISABLE -> ctr |= CTR_KBDDIS;
            case CMD_KBD_ENABLE -> ctr &= ~CTR_KBDDIS;
            case CMD_READ_OUTPUT_PORT -> push(outputPort, false);
            default -> {
                // 0xF0-0xFF pulse the output port lines whose bits are 0 in the low nibble; bit 0 is reset.
                if (command >= CMD_PULSE_FIRST && (command & OUTPUT_PORT_RESET) == 0) {
                    return true;
                }
            }
        }
        return false;
    }

    private void push(int value, boolean aux) {
        if (queueCount == QUEUE_SIZE) {
            return; // the guest stopped reading; a real controller would hold off its devices
        }
        int at = (queueHead + queueCount) % QUEUE_SIZE;
        queue[at] = (byte) value;
        queueAux[at] = aux;
        queueCount++;
        updateInterrupts();
    }

    /** IRQ1 or IRQ12 stays raised while the output buffer holds a byte for an interface whose CTR bit allows it. */
    private void updateInterrupts() {
        boolean full = queueCount > 0;
        boolean aux = full && queueAux[queueHead];
        boolean kbd = full && !aux && (ctr & CTR_KBDINT) != 0;
        boolean mouse = aux && (ctr & CTR_AUXINT) != 0;
        if (kbd != kbdIrqAsserted) {
            kbdIrqAsserted = kbd;
            kbdIrq.set(kbd);
        }
        if (mouse != auxIrqAsserted) {
            auxIrqAsserted = mouse;
            auxIrq.set(mouse);
        }
    }

    private final class Port implements BusDevice {
        private final int offset;

        Port(int offset) {
            this.offset = offset;
        }

        @Override
        public long read(long at, int size) {
            return at == 0 ? I8042.this.read(offset, size) : -1L;
        }

        @Override
        public void write(long at, int size, long value) {
            if (at == 0) {
                I8042.this.write(offset, size, value);
            }
        }
    }
}
