package dev.jvmm.core.boot;

import dev.jvmm.core.x86.Layout;
import dev.jvmm.devices.memory.GuestMemory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Loads an x86 ELF executable (ELF64 vmlinux, or ELF32/ELF64 PVH guests) by its PT_LOAD segments' physical
 * addresses, zeroing each segment's tail beyond p_filesz (the bss), and finds the PVH entry in a
 * XEN_ELFNOTE_PHYS32_ENTRY note (PVH boot ABI; xen/include/public/elfnote.h). Without that note a 64-bit image is
 * entered at e_entry through the 64-bit boot protocol.
 */
public final class ElfLoader {
    private ElfLoader() {}

    static final int PT_LOAD = 1;
    static final int PT_NOTE = 4;
    static final int EM_386 = 3;
    static final int EM_X86_64 = 62;
    static final int ET_EXEC = 2;
    public static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;

    public static KernelLoadResult load(GuestMemory memory, Path kernel) {
        try {
            return load(memory, kernel.toString(), Files.readAllBytes(kernel));
        } catch (IOException e) {
            throw BootImageException.unreadable(kernel, e);
        }
    }

    /** Whether {@code image} starts with the ELF magic. */
    public static boolean isElf(byte[] image) {
        return image.length >= 4 && image[0] == 0x7F && image[1] == 'E' && image[2] == 'L' && image[3] == 'F';
    }

    public static KernelLoadResult load(GuestMemory memory, String source, byte[] image) {
        try {
            return new Parse(memory, source, image).load();
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new BootImageException(source, "truncated ELF headers");
        }
    }

    private static final class Parse {
        private final GuestMemory memory;
        private final String source;
        private final byte[] bytes;
        private final ByteBuffer file;
        private boolean elf64;

        Parse(GuestMemory memory, String source, byte[] bytes) {
            this.memory = memory;
            this.source = source;
            this.bytes = bytes;
            this.file = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        KernelLoadResult load() {
            if (!isElf(bytes) || bytes.length < 0x34) {
                throw fail("not an ELF file");
            }
            int elfClass = bytes[4];
            if (elfClass != 1 && elfClass != 2) {
                throw fail("unknown ELF class " + elfClass);
            }
            elf64 = elfClass == 2;
            if (bytes[5] != 1) {
                throw fail("not little-endian ELF");
            }
            int type = u16(0x10);
            int machine = u16(0x12);
            if (type != ET_EXEC) {
                throw fail("ELF type " + type + " is not ET_EXEC");
            }
            if (machine != (elf64 ? EM_X86_64 : EM_386)) {
                throw fail("ELF machine " + machine + " is not " + (elf64 ? "x86-64" : "i386"));
            }
            long entry = elf64 ? file.getLong(0x18) : u32(0x18);
            long phoff = elf64 ? file.getLong(0x20) : u32(0x1C);
            int phentsize = u16(elf64 ? 0x36 : 0x2A);
            int phnum = u16(elf64 ? 0x38 : 0x2C);
            if (phentsize != (elf64 ? 56 : 32)) {
                throw fail("program header size " + phentsize + " is wrong");
            }
            if (phoff < 0 || phoff + (long) phnum * phentsize > bytes.length) {
                throw fail("program headers outside the file");
            }
            long lowest = Long.MAX_VALUE;
            long end = 0;
            OptionalLong pvhEntry = OptionalLong.empty();
            for (int i = 0; i < phnum; i++) {
                int ph = (int) (phoff + (long) i * phentsize);
                int pType = file.getInt(ph);
                long offset = elf64 ? file.getLong(ph + 8) : u32(ph + 4);
                long paddr = elf64 ? file.getLong(ph + 24) : u32(ph + 12);
                long filesz = elf64 ? file.getLong(ph + 32) : u32(ph + 16);
                long memsz = elf64 ? file.getLong(ph + 40) : u32(ph + 20);
                checkInFile(i, offset, filesz);
                if (pType == PT_LOAD) {
                    loadSegment(i, offset, paddr, filesz, memsz);
                    lowest = Math.min(lowest, paddr);
                    end = Math.max(end, paddr + memsz);
                } else if (pType == PT_NOTE && pvhEntry.isEmpty()) {
                    pvhEntry = findPvhEntry((int) offset, (int) filesz);
                }
            }
            if (end == 0) {
                throw fail("no PT_LOAD segment");
            }
            if (!elf64 && pvhEntry.isEmpty()) {
                throw fail("32-bit ELF without a XEN_ELFNOTE_PHYS32_ENTRY note cannot be booted");
            }
            return new KernelLoadResult(lowest, end, elf64 ? OptionalLong.of(entry) : OptionalLong.empty(),
                    pvhEntry, Optional.empty());
        }

        private void checkInFile(int index, long offset, long filesz) {
            if (offset < 0 || filesz < 0 || offset > bytes.length || filesz > bytes.length - offset) {
                throw fail("segment " + index + " [0x" + Long.toHexString(offset) + ", +0x"
                        + Long.toHexString(filesz) + ") lies outside the file");
            }
        }

        private void loadSegment(int index, long offset, long paddr, long filesz, long memsz) {
            if (filesz > memsz) {
                throw fail("segment " + index + " has p_filesz " + filesz + " > p_memsz " + memsz);
            }
            // Below 1 MiB live the VMM's boot structures; above the hole start there is no contiguous RAM.
            if (paddr < Layout.KERNEL_START || memsz > Layout.MMIO_HOLE_START - paddr
                    || !memory.contains(paddr, memsz)) {
                throw fail("segment " + index + " [0x" + Long.toHexString(paddr) + ", +0x" + Long.toHexString(memsz)
                        + ") is outside guest RAM from 1 MiB");
            }
            memory.write(paddr, MemorySegment.ofArray(bytes).asSlice(offset, filesz));
            memory.fill(paddr + filesz, memsz - filesz, (byte) 0);
        }

        /** Walks the notes of one PT_NOTE segment (ELF gABI "Note Section": namesz, descsz, type, name, desc). */
        private OptionalLong findPvhEntry(int offset, int size) {
            int position = offset;
            int limit = offset + size;
            while (limit - position >= 12) {
                long namesz = u32(position);
                long descsz = u32(position + 4);
                int type = file.getInt(position + 8);
                long nameStart = position + 12L;
                long descStart = nameStart + align4(namesz);
                long next = descStart + align4(descsz);
                if (next > limit) {
                    throw fail("ELF note at 0x" + Integer.toHexString(position) + " runs past its segment");
                }
                if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 && bytes[(int) nameStart] == 'X'
                        && bytes[(int) nameStart + 1] == 'e' && bytes[(int) nameStart + 2] == 'n'
                        && bytes[(int) nameStart + 3] == 0) {
                    long value = switch ((int) descsz) {
                        case 4 -> u32((int) descStart);
                        case 8 -> file.getLong((int) descStart);
                        default -> throw fail("XEN_ELFNOTE_PHYS32_ENTRY has a " + descsz + "-byte value");
                    };
                    if (value < 0 || value >= Layout.MMIO_HOLE_END) {
                        throw fail("PVH entry 0x" + Long.toHexString(value) + " is not a 32-bit address");
                    }
                    return OptionalLong.of(value);
                }
                position = (int) next;
            }
            return OptionalLong.empty();
        }

        private static long align4(long value) {
            return (value + 3) & ~3L;
        }

        private int u16(int offset) {
            return Short.toUnsignedInt(file.getShort(offset));
        }

        private long u32(int offset) {
            return Integer.toUnsignedLong(file.getInt(offset));
        }

        private BootImageException fail(String problem) {
            return new BootImageException(source, problem);
        }
    }
}
