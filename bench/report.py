#!/usr/bin/env python3
"""Writes BENCHMARKS.md (to stdout) from what bench/run left in OUT_DIR. Usage: report.py OUT_DIR SHORT(0|1)."""
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys

out, short = sys.argv[1], sys.argv[2] == "1"
whole_dir = os.path.join(out, "whole")


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def cpu_model():
    for line in (read("/proc/cpuinfo") or "").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def jdk():
    java = os.path.join(os.environ.get("JAVA_HOME", ""), "bin", "java")
    try:
        text = subprocess.run([java, "-version"], capture_output=True, text=True).stderr.splitlines()
        return text[1].strip() if len(text) > 1 else text[0]
    except OSError:
        return "unknown"


# Startup phases: when the first class of each loaded (-Xlog:class+load:uptime).
marks = [("JVM created, first class of the application", "dev.jvmm.cli.Main"),
         ("CLI parsing (picocli)", "picocli.CommandLine"),
         ("boot command runs", "dev.jvmm.cli.BootCommand"),
         ("logging initialised (slf4j)", "org.slf4j.LoggerFactory"),
         ("guest memory set up", "dev.jvmm.core.vm.GuestRam"),
         ("KVM opened", "dev.jvmm.core.kvm.Kvm"),
         ("vCPU thread (first KVM_RUN)", "dev.jvmm.core.vm.VcpuThread")]

def class_log(name, directory=whole_dir):
    """(uptime s, class, source) per class loaded, from a -Xlog:class+load:uptime file, or None."""
    text = read(os.path.join(directory, name))
    if not text:
        return None
    rows = []
    for line in text.splitlines():
        m = re.match(r"\[(\d+\.\d+)s\](?:\[[^]]*\])* (\S+) source: (.*)", line)
        if m:
            rows.append((float(m.group(1)), m.group(2), m.group(3)))
    return rows

def summary(rows):
    first = {}
    for at, cls, _ in rows:
        first.setdefault(cls, at)
    shared = sum(1 for r in rows if "shared objects file" in r[2] or "AOT" in r[2])
    return first, shared


nested = os.path.exists(os.path.join(whole_dir, "nested"))
# (figure, measured, goal, met) for the "Goals" section, gathered as the tables are written.
goals = []
kvm = ("nested KVM under TCG (no /dev/kvm on the host; bin/nested-kvm)" if nested
       else "native /dev/kvm" if os.path.exists(os.path.join(whole_dir, "whole.json")) else "none (no results)")
p = print
p("# Benchmarks")
p()
p("Written by `bench/run`" + (" --short (few iterations: smoke figures, not results)" if short else "") + ". "
  "Every figure is a median over repeated runs with its reference's median from the same run; "
  "ratio = jvmm / reference (for throughput, jvmm / reference too: above 1 is faster). "
  "Numbers from one machine and one run; rerun rather than trust them.")
p()
p(f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")
p(f"- machine: {os.cpu_count()} CPUs (`nproc` {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()}), "
  f"{cpu_model()}, load average {os.getloadavg()[0]:.1f} at the end")
p(f"- KVM for whole-process figures: {kvm}")
p(f"- JDK: {jdk()}")
p()

# Device side (JMH).
p("## virtio-blk, device side (JMH, no KVM needed)")
p()
jmh = json.loads(read(os.path.join(out, "jmh.json")) or "[]")
if not jmh:
    p("Pending: the JMH run produced no results (see target/bench/jmh.log).")
else:
    scores, cpu = {}, {}
    for r in jmh:
        raw = [x for fork in r["primaryMetric"]["rawData"] for x in fork]
        key = (r["benchmark"].rsplit(".", 1)[1], r["params"]["pattern"])
        scores[key] = (med(raw), len(raw))
        c = r.get("secondaryMetrics", {}).get("cpu.time.norm")
        if c:
            cpu[key] = c["score"]
    sizes = {"RANDOM_READ_4K_QD1": 4096, "RANDOM_READ_4K_QD32": 4096, "SEQUENTIAL_READ_128K": 131072,
             "SEQUENTIAL_WRITE_128K": 131072}
    p("| pattern | jvmm VirtioBlock IOPS | MiB/s | raw FileChannel IOPS | MiB/s | ratio | goal ≥ 0.9× "
      "| CPU per request: jvmm / raw (ratio raw ÷ jvmm) |")
    p("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for pattern, size in sizes.items():
        v, n = scores.get(("virtioBlock", pattern), (float("nan"), 0))
        r, _ = scores.get(("rawFileChannel", pattern), (float("nan"), 0))
        ratio = v / r if r else float("nan")
        cv, cr = cpu.get(("virtioBlock", pattern)), cpu.get(("rawFileChannel", pattern))
        cpu_cell = f"{cv:,.0f} ns / {cr:,.0f} ns ({cr / cv:.2f})" if cv and cr else "—"
        goals.append((f"virtio-blk {pattern}", f"{ratio:.2f}× raw" + (f" (CPU: {cr / cv:.2f}×)" if cv and cr else ""),
                      "≥ 0.9×", ratio >= 0.9))
        p(f"| {pattern} | {v:,.0f} | {v * size / 2**20:,.0f} | {r:,.0f} | {r * size / 2**20:,.0f} | {ratio:.2f} "
          f"| {'met' if ratio >= 0.9 else f'missed by {(0.9 - ratio) * 100:.0f} points'} | {cpu_cell} |")
    p()
    image = jmh[0]["params"].get("imageMiB")
    p(f"Median of {n} measurement iterations per cell (JMH throughput, one fork). An in-process driver "
      f"(`benchmarks/.../BlockDriver`) makes 32 requests available per invocation (QD32: all before one kick; "
      f"QD1: one kick each) and calls `VirtioBlock.processQueue` on the same thread, checking every status byte; "
      f"the reference does positional `FileChannel` reads/writes (pread/pwrite) of the same {image} MiB image at "
      f"the same offsets into the same memory. The image sits in the page cache, so this is the device's cost "
      f"per request (header parsing, descriptor walk, used ring), not the disk's; the synchronous reference has "
      f"no queue depth, so QD32 differs from QD1 only on the device side. CPU per request "
      f"(`benchmarks/.../WorkerCpuProfiler`, the worker thread's user + system CPU time over operations) leaves out "
      f"the time a benchmark waits for a core on a shared host, so its ratio is the steadier one there.")
p()

# virtio-net (JMH under unshare -n; bench/run records why it was skipped).
p("## virtio-net, device side (JMH, TAP in a private network namespace, no KVM needed)")
p()
net = json.loads(read(os.path.join(out, "jmh-net.json")) or "[]")
if not net:
    why = read(os.path.join(out, "jmh-net.skipped"))
    p(f"Pending: {why}." if why else "Pending: the JMH run produced no results (see target/bench/jmh-net.log).")
else:
    frames, alloc = {}, {}
    for r in net:
        key = (r["benchmark"].rsplit(".", 1)[1], int(r["params"]["frameBytes"]))
        raw = [x for fork in r["primaryMetric"]["rawData"] for x in fork]
        frames[key] = (med(raw), len(raw))
        norm = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
        if norm:
            alloc[key] = norm["score"]
    p("| direction | frame | jvmm VirtioNet frames/s | MiB/s | raw TAP frames/s | MiB/s | ratio | goal ≥ 0.9× "
      "| jvmm B/frame allocated |")
    p("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    n = 0
    for direction, jvmm, ref, goal in (("TX", "txVirtioNet", "txRawWrite", True),
                                       ("RX", "rxVirtioNet", "rxRawRead", False)):
        for size in sorted({k[1] for k in frames}):
            if (jvmm, size) not in frames:
                continue
            v, n = frames[(jvmm, size)]
            r, _ = frames.get((ref, size), (float("nan"), 0))
            ratio = v / r if r else float("nan")
            short_by = (0.9 - ratio) * 100
            verdict = ("met" if ratio >= 0.9 else f"missed by {short_by:.0f} points" if short_by >= 0.5
                       else f"missed by {short_by:.1f} points") if goal \
                else "no goal (RX is not in issue #5)"
            a = f"{alloc[(jvmm, size)]:.2f}" if (jvmm, size) in alloc else "—"
            if goal:
                goals.append((f"virtio-net {direction} {size} B", f"{ratio:.2f}× raw", "≥ 0.9×", ratio >= 0.9))
            p(f"| {direction} | {size} B | {v:,.0f} | {v * size / 2**20:,.1f} | {r:,.0f} | {r * size / 2**20:,.1f} "
              f"| {ratio:.2f} | {verdict} | {a} |")
    p()
    p(f"Median of {n} measurement iterations per cell (JMH throughput, one fork, `-prof gc`). The benchmark runs "
      f"under `unshare -n` and creates its own TAP (IFF_VNET_HDR, link up). TX: an in-process driver "
      f"(`benchmarks/.../net/NetDriver`) makes 32 frames available per kick, each a 12-byte `virtio_net_hdr_v1` and "
      f"the frame in one buffer, and calls `VirtioNet.processQueue` on the same thread, checking that every frame "
      f"was sent; the reference write(2)s the same bytes from the same memory to the same TAP fd. The frames go to "
      f"a foreign MAC with EtherType 0x88B5, so the namespace's stack drops them on arrival: the kernel's share is "
      f"as small and as equal on both sides as it gets. RX: before each invocation (untimed) a UDP socket in the "
      f"namespace sends 128 datagrams to the guest's address through the TAP; the device places them in 128 posted "
      f"buffers, the reference read(2)s them into the same buffers. B/frame allocated is JMH's gc.alloc.rate.norm "
      f"for the device path (driver included; under 1 B is JMH's own background allocation, not the path's).")
    paired = read(os.path.join(out, "net-paired.txt"))
    if paired:
        p()
        p("JMH's wall-clock scores swing by tens of percent on a shared, loaded host. The same methods run in "
          "alternating blocks in one JVM and timed by the thread's CPU time (`VirtioNetPairedRun`; ratio = raw CPU "
          "per frame / jvmm CPU per frame, median over rounds) compare more steadily:")
        p()
        p("```")
        p(paired)
        p("```")
p()

# The exit path without KVM (JMH), and the KVM_RUN call from Java vs C.
p("## Exit path, natively without KVM (JMH)")
p()
jmh_exit = json.loads(read(os.path.join(out, "jmh-exit.json")) or "[]")
c_calls = [float(x) for x in re.findall(r"ns_per_call=([0-9.]+)", read(os.path.join(out, "ioctl-ebadf.txt")) or "")]
if not jmh_exit:
    p("Pending: the JMH run produced no results (see target/bench/jmh-exit.log).")
else:
    ex = {}
    for r in jmh_exit:
        raw = [x for fork in r["primaryMetric"]["rawData"] for x in fork]
        ex[(r["benchmark"].rsplit(".", 1)[1], r.get("params", {}).get("kind", ""))] = med(raw)
    p("| exit | jvmm: decode + bus (`KvmRun`, `BusExits`) | floor: read and count exit_reason | jvmm adds |")
    p("| --- | ---: | ---: | ---: |")
    for kind in ("PIO_OUT", "PIO_IN", "MMIO_WRITE", "MMIO_READ"):
        j, f = ex.get(("jvmmExitHandling", kind)), ex.get(("readAndCountExitReason", kind))
        if j is not None and f is not None:
            p(f"| {kind} | {j:,.1f} ns | {f:,.1f} ns | {j - f:,.1f} ns |")
    d = ex.get(("kvmRunOnClosedFd", ""))
    if d is not None and c_calls:
        cm = med(c_calls)
        p()
        p(f"The KVM_RUN call itself, on a descriptor that is not open (the kernel answers EBADF: only the crossing "
          f"into the kernel and back): jvmm's FFM downcall `Libc.ioctlNoThrow` {d:,.0f} ns, the same ioctl from C "
          f"(`bench/ioctl-ebadf.c`, gcc -O2, run before and after the JMH run: "
          f"{', '.join(f'{c:,.0f}' for c in c_calls)} ns) {cm:,.0f} ns: ratio {d / cm:.2f}.")
    p()
    p("Average time per operation, JMH, one fork. A `kvm_run` is filled as KVM fills it for each exit kind and the "
      "vCPU loop's code answers it from buses holding a VM's usual neighbours (a register device at the port or "
      "MMIO address). Together the two rows are what jvmm adds to each exit's round trip over a C VMM natively; "
      "the round trip itself needs /dev/kvm (the whole-process figures below).")
p()

# Whole process.
p("## Whole process")
p()
p(f"Run on {kvm}.")
p()
whole = json.loads(read(os.path.join(whole_dir, "whole.json")) or "null")
pending = read(os.path.join(whole_dir, "pending"))
if whole is None:
    p(f"Pending: {pending or 'no results'}.")
else:
    t = whole["tiny"]
    q = t["qemu"]
    j = t["jvmm"]
    n = len(j["wall_s"])
    p("| figure | jvmm | reference | ratio | goal |")
    p("| --- | ---: | ---: | ---: | --- |")
    for name, label in (("jvmm", "`./jvmm boot` tiny guest"), ("jvmm_aot", "same, with the JDK 25 AOT cache")):
        if name not in t:
            continue
        w, qw = med(t[name]["wall_s"]) * 1000, med(q["wall_s"]) * 1000
        r, qr = med(t[name]["rss_kib"]) / 1024, med(q["rss_kib"]) / 1024
        goals.append((f"{label}: wall", f"{w / qw:.2f}× QEMU", "≤ 1.0×", w <= qw))
        goals.append((f"{label}: peak RSS", f"{r / qr:.2f}× QEMU", "≤ 1.0×", r <= qr))
        p(f"| {label}: wall | {w:,.0f} ms | QEMU microvm {qw:,.0f} ms | {w / qw:.2f} | ≤ 1.0× |")
        p(f"| {label}: peak RSS | {r:,.1f} MiB | QEMU microvm {qr:,.1f} MiB | {r / qr:.2f} | ≤ 1.0× |")
    exits = whole["exits"]
    storms = whole.get("exit", {})
    labels = {"pio": "PIO (`out` to port 0x80)", "mmio": "MMIO (4-byte write outside RAM)"}
    for kind, label in labels.items():
        e = storms.get(kind)
        if not isinstance(e, dict) or not e.get("jvmm_ns_per_exit"):
            continue
        jn, cn = med(e["jvmm_ns_per_exit"]), med(e["c_ns_per_exit"])
        goals.append((f"exit round trip, {label}", f"{jn / cn:.2f}× C", "≤ 1.02×", jn <= 1.02 * cn))
        p(f"| exit round trip, {label}, in the loop | {jn:,.0f} ns | C yardstick {cn:,.0f} ns | {jn / cn:.2f} "
          f"| ≤ 1.02× |")
    for kind, label in labels.items():
        e = storms.get(kind)
        if not isinstance(e, dict) or not e.get("alloc_2n"):
            continue
        per_exit = (med(e["alloc_2n"]) - med(e["alloc_n"])) / exits
        verdict = "met" if per_exit < 0.01 else f"missed by {per_exit:,.2f} B/exit"
        shown = (f"{per_exit:,.3f} B/exit" if per_exit >= 0 else
                 f"≤ 0 B/exit (the larger run allocated {-per_exit * exits:,.0f} B less: one-time costs vary by more)")
        goals.append((f"allocation per exit, {label}", shown.split(" (")[0], "0", per_exit < 0.01))
        p(f"| allocation per exit, {label}: vCPU thread | {shown} ({med(e['alloc_2n']):,.0f} B over "
          f"{2 * exits:,} exits, {med(e['alloc_n']):,.0f} B over {exits:,}) | — | — | 0 ({verdict}) |")
    setup = whole.get("setup_ms", {})
    if setup.get("128M") and setup.get("4G"):
        s128, s4g = med(setup["128M"]), med(setup["4G"])
        growth = s4g / s128
        goals.append(("VM setup, 4 GiB vs 128 MiB", f"{growth:.2f}×", "no growth", growth <= 1.05))
        p(f"| VM setup: fork to first KVM_RUN, 4 GiB guest | {s4g:,.0f} ms | same with 128 MiB: {s128:,.0f} ms "
          f"| {growth:.2f} | no growth ({'met' if growth <= 1.05 else f'grew by {(growth - 1) * 100:.0f}%'}) |")
        if setup.get("128M_aot"):
            p(f"| VM setup: fork to first KVM_RUN, 128 MiB, AOT cache | {med(setup['128M_aot']):,.0f} ms "
              f"| without: {s128:,.0f} ms | {med(setup['128M_aot']) / s128:.2f} | — |")
    p()
    c_lines = "; ".join(f"{k}: `{storms[k]['c_line']}`" for k in labels if isinstance(storms.get(k), dict)
                        and storms[k].get("c_line"))
    p(f"Medians of {n} interleaved runs each (wall from fork to exit, peak RSS from wait4). Tiny guest: "
      f"`./jvmm boot --kernel guest-fixtures/target/guests/reset-hello.bin --format flat --irqchip` (the launcher "
      f"script included) vs `qemu-system-x86_64 -M microvm -enable-kvm -no-reboot -display none -monitor none "
      f"-serial stdio -device i8042 -kernel reset-hello-pvh.elf`; both print the line and end through the i8042 "
      f"reset. Exit round trip: guest-fixtures' exit-storm guest (real-mode entry, then {2 * exits:,} exits of one "
      f"kind and HLT) under `./jvmm boot --format flat --entry real --metrics-file` (time from the first KVM_RUN to "
      f"leaving the vCPU loop over the exits, as jvmm measures it) and under the C loop "
      f"(`/work/shared/yardsticks/kvm-exit-baseline.c`, gcc -O2, built into target/bench, which measures the same "
      f"span the same way); its last lines: {c_lines}. Allocation: the vCPU thread's allocated bytes "
      f"(`com.sun.management.ThreadMXBean`, from just before the first KVM_RUN to leaving the loop) with {2 * exits:,} "
      f"exits minus with {exits:,}, over {exits:,}: one-time costs of the first exits (lambda forms spun, classes "
      f"initialised) cancel out. VM setup: from the fork of `./jvmm` (launcher script included) to "
      f"the first KVM_RUN as reported in `--metrics-file` (CLOCK_MONOTONIC on both sides), tiny guest, "
      f"`--memory 128M` vs `--memory 4G`.")
    if nested:
        p()
        p("**Nested KVM under TCG**: every number above ran inside a QEMU-TCG guest whose kvm_amd serves /dev/kvm, "
          "15–45× slower than natively and unevenly so (emulated JIT-compiled Java vs emulated C); only the ratios "
          "mean anything, and only roughly. The goals are for native KVM.")
    p()

    # Startup breakdown from class-load timestamps.
    p("## Startup: where `jvmm boot`'s time goes")
    p()
    plain, aot = class_log("class-load.log"), class_log("class-load-aot.log")
    if plain:
        first, shared = summary(plain)
        fa, shared_a = summary(aot) if aot else ({}, 0)
        p("Time since JVM start at which the first class of each phase loaded (`-Xlog:class+load:uptime`), one run"
          " each" + (", without and with the AOT cache" if aot else "") + ":")
        p()
        p("| phase starts | at (ms) | with AOT cache (ms) |")
        p("| --- | ---: | ---: |")
        for label, cls in marks:
            a = f"{first[cls] * 1000:,.0f}" if cls in first else "not loaded"
            b = f"{fa[cls] * 1000:,.0f}" if cls in fa else "—"
            p(f"| {label} (`{cls}`) | {a} | {b} |")
        if aot:
            note = ("With the cache, classes it holds are loaded (AOT-linked) when the cache is mapped, before their "
                    "first use, so that column shows when each phase's classes became available, not when the phase ran.")
        last = plain[-1][0] * 1000
        p(f"| last class loaded | {last:,.0f} | {aot[-1][0] * 1000 if aot else float('nan'):,.0f} |")
        p()
        p(f"Classes loaded: {len(plain):,} ({shared:,} from the JDK's CDS archive)"
          + (f"; with the AOT cache {len(aot):,} ({shared_a:,} from the cache)" if aot else "") + ". "
          f"Whole-process wall of these logged runs: {whole.get('startup_wall_s', 0) * 1000:,.0f} ms"
          + (f", {whole['startup_aot_wall_s'] * 1000:,.0f} ms with the cache" if "startup_aot_wall_s" in whole else "")
          + ".")
        if aot:
            p(note)
        st = read(os.path.join(whole_dir, "startuptime.log"))
        m = re.search(r"Create VM, (\d+\.\d+) secs", st or "")
        if m:
            p(f"HotSpot's own `Create VM` phase (`-Xlog:startuptime`): {float(m.group(1)) * 1000:,.0f} ms.")
    tr = whole.get("aot_training", {})
    p()
    p(f"AOT cache: training run (`JVMM_JAVA_OPTS=-XX:AOTCacheOutput=...` on the tiny guest) took "
      f"{tr.get('wall_s', 0):,.1f} s and {'created' if tr.get('created') else 'did NOT create'} the cache.")
    p()

# The start path natively, where the host has no /dev/kvm.
start = json.loads(read(os.path.join(out, "start.json")) or "null")
if start:
    p("## Start path natively, up to /dev/kvm (this host has none)")
    p()
    f = start["floor"]
    fw, fr = med(f["wall_s"]) * 1000, med(f["rss_kib"]) / 1024
    p("| run | wall | peak RSS | wall / floor | RSS / floor | exit status |")
    p("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, label in (("floor", "JVM floor: `java -Xshare:auto -version`"),
                        ("jvmm_aot", "`./jvmm boot` tiny guest, with the build's AOT cache (the default)"),
                        ("jvmm", "same, `JVMM_AOT=0`")):
        v = start[name]
        w, r = med(v["wall_s"]) * 1000, med(v["rss_kib"]) / 1024
        p(f"| {label} | {w:,.0f} ms | {r:,.1f} MiB | {w / fw:.2f} | {r / fr:.2f} | {v['status']} |")
    p()
    p(f"Medians of {len(f['wall_s'])} interleaved runs, natively (no nesting): everything `jvmm boot` does before it "
      f"opens /dev/kvm — JVM start, CLI parsing, logging, guest RAM, loading the guest — then exit 3 at /dev/kvm. "
      f"This is the part of the tiny guest's wall time that is jvmm's and the JVM's, measured without the 15–45× "
      f"of nested KVM; QEMU's whole run of the same guest takes ~39 ms natively on a KVM host (issue #5)."
      + ("" if start.get("aot_cache") else " The build left no AOT cache (see bin/train-aot)."))
    rows = class_log("start-class-load.log", out)
    if rows:
        first, shared = summary(rows)
        p()
        p("Where that start path's time goes natively, one run without the AOT cache (time since JVM start at which "
          "the first class of each phase loaded):")
        p()
        p("| phase starts | at (ms) |")
        p("| --- | ---: |")
        for label, cls in marks:
            if cls in first:
                p(f"| {label} (`{cls}`) | {first[cls] * 1000:,.0f} |")
        p(f"| last class loaded | {rows[-1][0] * 1000:,.0f} |")
        p()
        p(f"Classes loaded: {len(rows):,} ({shared:,} from the JDK's CDS archive).")
    p()

# Where each goal stands; for those missed, by how much and the next lever (what the measurements above and the
# work on them showed; see issue #5's notes).
LEVERS = [
    ("wall", "The JVM itself: a trivial Java main takes a large share of QEMU's whole run, before any of jvmm's "
     "code (the native start-path table above). Done: downcall handles linked on first use (7 distinct stubs before "
     "the first KVM_RUN, none that only an error needs), the build trains the AOT cache, picocli recompiled so that "
     "the cache can hold it and its model built through its API instead of annotation reflection, slf4j started on "
     "the first log line only, a launcher that forks nothing. Next: one shared downcall shape for the errno-capturing "
     "calls (each new stub costs ~12 ms on first use; the AOT cache cannot store them), then HotSpot's own start-up: "
     "only AOT-compiled code (later JDKs' Leyden work, or a native image) goes below it."),
    ("peak RSS", "About 42 MiB of jvmm's peak is file-backed and shared between jvmm processes (libjvm ~18 MiB, the AOT "
     "cache's mapping ~18 MiB, libraries and jars ~4 MiB); what is private to each VM is ~16 MiB: compiler arenas "
     "(5-7 MiB at peak), G1's data (~4.6 MiB), the heap touched (~3.6 MiB), code cache and metaspace. Guest RAM "
     "touched by the tiny guest is under 1 MiB. Next: -XX:+UseSerialGC (-2 to -3 MiB, same wall time; a choice for "
     "long-running guests to make deliberately), fewer classes on the path."),
    ("exit round trip", "Measured whole only in nested KVM under TCG, where jvmm's JIT-compiled loop and the C loop are "
     "both emulated, unevenly, and a short run's exits do not outlast the JIT's warm-up: first measure on a native "
     "/dev/kvm. Natively, the parts jvmm adds are measured above without KVM (\"Exit path\"): the KVM_RUN downcall "
     "comes within about a tenth of the same ioctl from C on this host (whose kernel crossing alone costs ~1 µs; "
     "runs differ by as much), and decode plus bus dispatch add about ten nanoseconds per exit."),
    ("virtio-blk", "Per request the device now does one preadv/pwritev straight into guest memory and allocates "
     "nothing; what remains at QD1 is ~400 ns of memory accesses right after each syscall (ring, descriptor table, "
     "header, status: ~6 pages, half of it the in-process driver's), measured with a syscall-only backend. Next: "
     "fewer pages touched per request (header and status next to each other in the benchmark driver's layout, as "
     "Linux's virtio-blk driver places them), and a quiet host for the throughput figures."),
    ("virtio-net", "TX copies frames up to 2 KiB behind their header and sends each with one write(2); the remaining "
     "~200 ns/frame is the device's Java work (descriptor walk, checks, used ring). Next: batch used-ring updates "
     "across a kick, a profile on a quiet host."),
    ("allocation", "The first exits of a fresh JVM spin lambda forms and initialise classes; every later exit "
     "allocates nothing once compiled. Next: the interpreter's share, if a short guest matters."),
    ("VM setup", "Guest RAM is one lazily backed mapping; nothing is touched per MiB before the first KVM_RUN."),
]


def lever(figure):
    for key, text in LEVERS:
        if key in figure:
            return text
    return ""


if goals:
    p()
    p("## Goals: where each stands, and the next lever")
    p()
    p("| figure | measured | goal | |")
    p("| --- | --- | --- | --- |")
    for figure, measured, goal, met in goals:
        p(f"| {figure} | {measured} | {goal} | {'met' if met else '**missed**'} |")
    missed = []
    for figure, _, _, met in goals:
        text = lever(figure)
        if not met and text and text not in missed:
            missed.append(text)
    if missed:
        p()
        p("Next levers for the goals missed:")
        p()
        for key, text in LEVERS:
            if text in missed:
                p(f"- **{key}**: {text}")
p()
p("## Pending")
p()
p("| figure | why not yet |")
p("| --- | --- |")
p("| virtio-blk QD32 with a concurrent reference | the Java reference is synchronous; an io_uring or thread-pool "
  "reference would be the fair QD32 comparison |")
