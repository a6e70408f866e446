package dev.jvmm.core.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ExitDiagnosisTest {
    @Test
    void instructionBytesFollowInsnSizeInEmulationFailureData() {
        // flags = INSTRUCTION_BYTES; data[1] low byte: insn_size 2, then 0x0f 0xa2 (cpuid)
        long[] data = {1, 0x0000_0000_00a2_0f02L, 0};
        assertArrayEquals(new byte[] {0x0f, (byte) 0xa2}, ExitDiagnosis.instructionBytes(1, data));
    }

    @Test
    void noInstructionBytesWithoutTheFlagOrForOtherSuberrors() {
        assertEquals(0, ExitDiagnosis.instructionBytes(1, new long[] {0, 0x0102, 0}).length);
        assertEquals(0, ExitDiagnosis.instructionBytes(3, new long[] {1, 0x0102, 0}).length);
        assertEquals(0, ExitDiagnosis.instructionBytes(1, new long[] {1}).length);
    }

    @Test
    void insnSizeIsClampedToWhatKvmCanReport() {
        long[] data = {1, 0xffL, -1L};
        assertEquals(15, ExitDiagnosis.instructionBytes(1, data).length);
    }

    @Test
    void suberrorsAreNamed() {
        assertEquals("emulation failure", ExitDiagnosis.suberrorName(1));
        assertEquals("unknown", ExitDiagnosis.suberrorName(99));
    }
}
