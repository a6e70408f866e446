package dev.jvmm.devices.serial;

import dev.jvmm.devices.bus.BusDevice;
import dev.jvmm.devices.irq.InterruptLine;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * A 16550A UART as Linux's 8250 driver sees it (register map per the National PC16550D data sheet), registered
 * on the port-I/O bus over its 8 registers (COM1: 0x3f8). A pure state machine: transmitted bytes go to the
 * {@link OutputStream} at once (the transmitter is always idle, so THRE and TEMT stay set), received bytes are
 * queued by the VMM with {@link #receive(byte)} into a bounded receive buffer (the FIFO, or the holding register
 * with FIFOs off) whose drain the {@link SerialInput} listener reports, and the interrupt output drives an
 * {@link InterruptLine} at the level "an enabled interrupt is pending", called only when that level changes. The
 * vCPU thread and an input thread may call it concurrently: every entry point takes one lock, and the output
 * stream, interrupt line and drain listener are called while it is held, so none may call back into the UART.
 */
public final class Uart16550 implements BusDevice, SerialInput {
    /** Registers the UART decodes, from its base port. */
    public static final int REGISTER_COUNT = 8;
    /** Depth of the receive FIFO when FCR enables it; with FIFOs off, a single holding register. */
    public static final int FIFO_SIZE = 16;

    private static final int RBR_THR = 0;
    private static final int IER = 1;
    private static final int IIR_FCR = 2;
    private static final int LCR = 3;
    private static final int MCR = 4;
    private static final int LSR = 5;
    private static final int MSR = 6;
    private static final int SCR = 7;

    private static final int IER_ERBFI = 0x01;
    private static final int IER_ETBEI = 0x02;
    private static final int IER_ELSI = 0x04;
    private static final int IER_EDSSI = 0x08;

    private static final int IIR_NO_INTERRUPT = 0x01;
    private static final int IIR_MODEM_STATUS = 0x00;
    private static final int IIR_THR_EMPTY = 0x02;
    private static final int IIR_RX_DATA = 0x04;
    private static final int IIR_RX_LINE_STATUS = 0x06;
    private static final int IIR_CHAR_TIMEOUT = 0x0c;
    private static final int IIR_FIFOS_ENABLED = 0xc0;

    private static final int FCR_FIFO_ENABLE = 0x01;
    private static final int FCR_CLEAR_RX = 0x02;

    private static final int LCR_DLAB = 0x80;

    private static final int MCR_LOOP = 0x10;
    private static final int MCR_MASK = 0x1f;

    private static final int LSR_DR = 0x01;
    private static final int LSR_OE = 0x02;
    private static final int LSR_THRE = 0x20;
    private static final int LSR_TEMT = 0x40;

    private static final int MSR_DELTAS = 0x0f;
    private static final int MSR_TERI = 0x04;
    private static final int MSR_CTS = 0x10;
    private static final int MSR_DSR = 0x20;
    private static final int MSR_RI = 0x40;
    private static final int MSR_DCD = 0x80;
    /** Lines an attached console holds: carrier, data set ready, clear to send. */
    private static final int MSR_IDLE_LINES = MSR_DCD | MSR_DSR | MSR_CTS;

    private static final int[] RX_TRIGGER_LEVELS = {1, 4, 8, 14};

    private final Object lock = new Object();
    private final OutputStream out;
    private final InterruptLine irq;

    private final byte[] rxFifo = new byte[FIFO_SIZE];
    private int rxHead;
    private int rxCount;

    private int ier;
    private int lcr;
    private int mcr;
    private int lsrErrors;
    private int msr = MSR_IDLE_LINES;
    private int scr;
    private int dll = 0x0c; // 9600 baud from the 1.8432 MHz clock, as firmware leaves it
    private int dlm;
    private boolean fifosEnabled;
    private int rxTrigger = 1;
    private boolean thrEmptyPending;
    private boolean irqAsserted;
    /** A feeder was refused bytes: tell it when the guest has emptied the receive buffer. */
    private boolean drainWanted;
    private Runnable drainListener = () -> { };
    private boolean unflushed;
    private long droppedOutput;

    /** A UART writing what the guest transmits to {@code out} and signalling interrupts on {@code irq}. */
    public Uart16550(OutputStream out, InterruptLine irq) {
        this.out = Objects.requireNonNull(out, "out");
        this.irq = Objects.requireNonNull(irq, "irq");
    }

    @Override
    public long read(long offset, int size) {
        long value = 0;
        synchronized (lock) {
            // A wider access reaches the next registers, as an ISA bus splits it into byte cycles.
            for (int i = 0; i < size; i++) {
                long reg = offset + i;
                int b = reg >= 0 && reg < REGISTER_COUNT ? readRegister((int) reg) : 0xff;
                value |= (long) b << (8 * i);
            }
            updateInterrupt();
        }
        return value;
    }

    @Override
    public void write(long offset, int size, long value) {
        synchronized (lock) {
            for (int i = 0; i < size; i++) {
                long reg = offset + i;
                if (reg >= 0 && reg < REGISTER_COUNT) {
                    writeRegister((int) reg, (int) (value >>> (8 * i)) & 0xff);
                }
            }
            updateInterrupt();
        }
    }

    /**
     * Queues {@code b} for the guest to read. Returns false, queueing nothing, when the receive buffer is full:
     * the caller keeps the byte and retries once the guest has read (see {@link #canReceive()}).
     */
    public boolean receive(byte b) {
        synchronized (lock) {
            if (rxCount >= rxCapacity()) {
                drainWanted = true;
                return false;
            }
            pushRx(b);
            updateInterrupt();
            return true;
        }
    }

    /**
     * Queues as many leading bytes of {@code bytes} as fit and returns how many were taken; the caller retries
     * the rest later.
     */
    public int receive(byte[] bytes) {
        return receive(bytes, 0, bytes.length);
    }

    @Override
    public int receive(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        synchronized (lock) {
            int n = Math.min(length, rxCapacity() - rxCount);
            for (int i = 0; i < n; i++) {
                pushRx(bytes[offset + i]);
            }
            if (n < length) {
                drainWanted = true;
            }
            if (n > 0) {
                updateInterrupt();
            }
            return n;
        }
    }

    @Override
    public void setDrainListener(Runnable listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (lock) {
            drainListener = listener;
        }
    }

    /** Whether {@link #receive(byte)} would take a byte now. */
    public boolean canReceive() {
        return receiveSpace() > 0;
    }

    /** Bytes the receive buffer can take now: up to 16 with FIFOs enabled, else 1. */
    public int receiveSpace() {
        synchronized (lock) {
            return Math.max(0, rxCapacity() - rxCount);
        }
    }

    /** Flushes output written since the last newline; the VMM calls it when the guest pauses writing. */
    public void flush() {
        synchronized (lock) {
            if (unflushed) {
                unflushed = false;
                try {
                    out.flush();
                } catch (IOException e) {
                    droppedOutput++;
                }
            }
        }
    }

    /** Transmitted bytes (or flushes) the output stream refused; the guest never sees these failures. */
    public long droppedOutputBytes() {
        synchronized (lock) {
            return droppedOutput;
        }
    }

    private int readRegister(int reg) {
        boolean dlab = (lcr & LCR_DLAB) != 0;
        return switch (reg) {
            case RBR_THR -> dlab ? dll : popRx();
            case IER -> dlab ? dlm : ier;
            case IIR_FCR -> readIir();
            case LCR -> lcr;
            case MCR -> mcr;
            case LSR -> readLsr();
            case MSR -> readMsr();
            default -> scr;
        };
    }

    private void writeRegister(int reg, int value) {
        boolean dlab = (lcr & LCR_DLAB) != 0;
        switch (reg) {
            case RBR_THR -> {
                if (dlab) {
                    dll = value;
                } else {
                    transmit(value);
                }
            }
            case IER -> {
                if (dlab) {
                    dlm = value;
                } else {
                    writeIer(value);
                }
            }
            case IIR_FCR -> writeFcr(value);
            case LCR -> lcr = value;
            case MCR -> writeMcr(value);
            case LSR, MSR -> { } // read-only on a 16550A (factory test modes are not modelled)
            default -> scr = value;
        }
    }

    private void transmit(int value) {
        if ((mcr & MCR_LOOP) != 0) {
            // Loopback: the transmitter shift register feeds the receiver; a full receiver overruns.
            if (rxCount >= rxCapacity()) {
                lsrErrors |= LSR_OE;
            } else {
                pushRx((byte) value);
            }
        } else {
            try {
                out.write(value);
                unflushed = true;
                if (value == '\n') {
                    unflushed = false;
                    out.flush();
                }
            } catch (IOException e) {
                droppedOutput++;
            }
        }
        // The byte left at once, so the holding register is empty again and says so.
        thrEmptyPending = true;
    }

    private void writeIer(int value) {
        int old = ier;
        ier = value & 0x0f;
        // A 16550 raises THRE when ETBEI is switched on with the holding register empty; Linux's 8250 driver
        // tests for this at startup (UART_BUG_THRE) and uses it to restart transmission.
        if ((ier & IER_ETBEI) != 0 && (old & IER_ETBEI) == 0) {
            thrEmptyPending = true;
        }
    }

    private void writeFcr(int value) {
        boolean enable = (value & FCR_FIFO_ENABLE) != 0;
        if (enable != fifosEnabled) {
            // Changing FCR0 clears both FIFOs (PC16550D, FIFO Control Register).
            clearRx();
        }
        fifosEnabled = enable;
        if (enable) {
            if ((value & FCR_CLEAR_RX) != 0) {
                clearRx();
            }
            rxTrigger = RX_TRIGGER_LEVELS[(value >>> 6) & 3];
        }
        // FCR_CLEAR_TX has nothing to do: the transmitter never holds a byte.
    }

    private void writeMcr(int value) {
        int oldMsr = msr;
        mcr = value & MCR_MASK;
        int lines = modemLines();
        int deltas = 0;
        if (((oldMsr ^ lines) & MSR_CTS) != 0) {
            deltas |= 0x01;
        }
        if (((oldMsr ^ lines) & MSR_DSR) != 0) {
            deltas |= 0x02;
        }
        if ((oldMsr & MSR_RI) != 0 && (lines & MSR_RI) == 0) {
            deltas |= MSR_TERI; // trailing edge of ring indicator
        }
        if (((oldMsr ^ lines) & MSR_DCD) != 0) {
            deltas |= 0x08;
        }
        msr = lines | (oldMsr & MSR_DELTAS) | deltas;
    }

    /** The modem input lines: in loopback DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD; otherwise an idle console. */
    private int modemLines() {
        if ((mcr & MCR_LOOP) == 0) {
            return MSR_IDLE_LINES;
        }
        int lines = 0;
        if ((mcr & 0x01) != 0) {
            lines |= MSR_DSR;
        }
        if ((mcr & 0x02) != 0) {
            lines |= MSR_CTS;
        }
        if ((mcr & 0x04) != 0) {
            lines |= MSR_RI;
        }
        if ((mcr & 0x08) != 0) {
            lines |= MSR_DCD;
        }
        return lines;
    }

    private int readIir() {
        int id = pendingInterrupt();
        if (id == IIR_THR_EMPTY) {
            // Reading IIR while it reports THRE clears that interrupt (PC16550D, Table III).
            thrEmptyPending = false;
        }
        return id | (fifosEnabled ? IIR_FIFOS_ENABLED : 0);
    }

    private int readLsr() {
        int lsr = (rxCount > 0 ? LSR_DR : 0) | lsrErrors | LSR_THRE | LSR_TEMT;
        lsrErrors = 0;
        return lsr;
    }

    private int readMsr() {
        int value = msr;
        msr &= ~MSR_DELTAS;
        return value;
    }

    /** The highest-priority enabled interrupt as an IIR identification code. */
    private int pendingInterrupt() {
        if ((ier & IER_ELSI) != 0 && lsrErrors != 0) {
            return IIR_RX_LINE_STATUS;
        }
        if ((ier & IER_ERBFI) != 0 && rxCount > 0) {
            // No timer here: data below the trigger level is reported as the character timeout at once.
            return fifosEnabled && rxCount < rxTrigger ? IIR_CHAR_TIMEOUT : IIR_RX_DATA;
        }
        if ((ier & IER_ETBEI) != 0 && thrEmptyPending) {
            return IIR_THR_EMPTY;
        }
        if ((ier & IER_EDSSI) != 0 && (msr & MSR_DELTAS) != 0) {
            return IIR_MODEM_STATUS;
        }
        return IIR_NO_INTERRUPT;
    }

    private void updateInterrupt() {
        boolean pending = pendingInterrupt() != IIR_NO_INTERRUPT;
        if (pending != irqAsserted) {
            irqAsserted = pending;
            irq.set(pending);
        }
    }

    private int rxCapacity() {
        return fifosEnabled ? FIFO_SIZE : 1;
    }

    private void pushRx(byte b) {
        rxFifo[(rxHead + rxCount) % FIFO_SIZE] = b;
        rxCount++;
    }

    private int popRx() {
        if (rxCount == 0) {
            return 0;
        }
        int b = rxFifo[rxHead] & 0xff;
        rxHead = (rxHead + 1) % FIFO_SIZE;
        rxCount--;
        if (rxCount == 0) {
            notifyDrained();
        }
        return b;
    }

    private void clearRx() {
        rxHead = 0;
        rxCount = 0;
        notifyDrained();
    }

    /** Wakes a refused feeder once the buffer is empty: one wake-up per FIFO-full of input, not one per byte. */
    private void notifyDrained() {
        if (drainWanted) {
            drainWanted = false;
            drainListener.run();
        }
    }
}
