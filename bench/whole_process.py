#!/usr/bin/env python3
"""Whole-process figures of BENCHMARKS.md, run where /dev/kvm works (natively or inside bin/nested-kvm).

Usage: whole_process.py OUT_DIR REPEATS EXITS
Writes OUT_DIR/whole.json. Every figure is measured side by side with its reference, interleaved run by run so
that both see the same machine state; wall time from fork to exit, peak RSS from wait4's rusage.
"""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUESTS = os.path.join(ROOT, "guest-fixtures/target/guests")
BENCH = os.path.join(ROOT, "target/bench")


def run(cmd, env_extra=None, expect=None):
    """Runs cmd once; returns (wall seconds, peak RSS KiB, exit status, output, CLOCK_MONOTONIC ns at the fork)."""
    env = dict(os.environ)
    env["JVMM_AOT"] = "0"  # ./jvmm's own cache stays out; the AOT variants name theirs
    env.update(env_extra or {})
    t0_ns = time.monotonic_ns()
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    out = p.stdout.read()
    _, status, rusage = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    text = out.decode(errors="replace")
    if expect is not None and expect not in text:
        raise SystemExit(f"{cmd[0]}: expected {expect!r} in its output, got {text[-400:]!r}")
    return wall, rusage.ru_maxrss, p.returncode, text, t0_ns


def series(variants, repeats):
    """variants: name -> (cmd, env, expect). Interleaves them; returns name -> {wall_s: [...], rss_kib: [...]}."""
    result = {name: {"wall_s": [], "rss_kib": [], "status": None} for name in variants}
    for i in range(repeats):
        for name, (cmd, env, expect) in variants.items():
            print(f"whole_process: {name} run {i + 1}/{repeats}", file=sys.stderr, flush=True)
            wall, rss, status, _, _ = run(cmd, env, expect)
            result[name]["wall_s"].append(wall)
            result[name]["rss_kib"].append(rss)
            result[name]["status"] = status
    return result


def storm(kind, count):
    """A copy of guest-fixtures' exit-storm guest making COUNT exits of KIND (offsets as in ExitStorm.java)."""
    with open(os.path.join(GUESTS, "exit-storm.bin"), "rb") as f:
        image = bytearray(f.read())
    image[4:8] = count.to_bytes(4, "little")
    image[8:12] = (0 if kind == "pio" else 1).to_bytes(4, "little")
    path = os.path.join(BENCH, f"exit-storm-{kind}-{count}.bin")
    with open(path, "wb") as f:
        f.write(image)
    return path


def metrics_run(cmd, env, expect=None):
    """Runs a jvmm boot command with --metrics-file; returns the metrics, with the fork's monotonic time added."""
    path = os.path.join(BENCH, "metrics.json")
    if os.path.exists(path):
        os.remove(path)
    _, _, status, text, t0_ns = run(cmd + ["--serial-input", "none", "--metrics-file", path], env, expect)
    if status != 0 or not os.path.exists(path):
        raise SystemExit(f"{' '.join(cmd)}: exit {status}, no metrics; output: {text[-400:]!r}")
    with open(path) as f:
        m = json.load(f)
    m["fork_monotonic_ns"] = t0_ns
    return m


def main():
    out, repeats, exits = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    jvmm = [os.path.join(ROOT, "jvmm"), "boot"]
    report = {"kvm": "native" if os.environ.get("JVMM_BENCH_NESTED") != "1" else "nested"}

    # JDK 25 AOT cache: one training run on the tiny guest (it also assembles the cache at exit).
    aot = os.path.join(out, "jvmm.aot")
    tiny = jvmm + ["--kernel", os.path.join(GUESTS, "reset-hello.bin"), "--format", "flat", "--irqchip"]
    wall, _, status, text, _ = run(tiny, {"JVMM_JAVA_OPTS": f"-XX:AOTCacheOutput={aot}"})
    report["aot_training"] = {"wall_s": wall, "status": status, "created": os.path.exists(aot),
                              "output_tail": text[-600:]}

    line = "jvmm tiny guest"
    variants = {
        "jvmm": (tiny, {}, line),
        "qemu": (["qemu-system-x86_64", "-M", "microvm", "-enable-kvm", "-no-reboot", "-display", "none",
                  "-monitor", "none", "-serial", "stdio", "-device", "i8042",
                  "-kernel", os.path.join(GUESTS, "reset-hello-pvh.elf")], {}, line),
    }
    if os.path.exists(aot):
        variants["jvmm_aot"] = (tiny, {"JVMM_JAVA_OPTS": f"-XX:AOTCache={aot}"}, line)
    run(tiny, {}, line)  # page cache warm-up, not counted
    report["tiny"] = series(variants, repeats)

    # Exit round trip and allocation per exit: guest-fixtures' exit-storm guest patched to EXITS and to 2 * EXITS
    # exits of each kind, under jvmm (its --metrics-file: time in the vCPU loop, exits, the vCPU thread's allocated
    # bytes) and under the C yardstick (its own in-loop line); both time the loop over the exits of the larger guest.
    # Allocation per exit is the difference between the two runs over EXITS: what the first exits cost once (lambda
    # forms spun, classes initialised on the first pass) cancels out, what every exit costs does not.
    c = os.path.join(BENCH, "kvm-exit-baseline")
    report["exits"] = exits
    report["exit"] = {}
    for kind in ("pio", "mmio"):
        g1, g2 = storm(kind, exits), storm(kind, 2 * exits)
        r = {"jvmm_ns_per_exit": [], "c_ns_per_exit": [], "alloc_n": [], "alloc_2n": [], "jvmm_exits": None,
             "c_line": None}
        for i in range(repeats):
            print(f"whole_process: exit storm {kind} run {i + 1}/{repeats}", file=sys.stderr, flush=True)
            m1 = metrics_run(jvmm + ["--kernel", g1, "--format", "flat", "--entry", "real"], {})
            m2 = metrics_run(jvmm + ["--kernel", g2, "--format", "flat", "--entry", "real"], {})
            v = m2["vcpus"][0]
            r["jvmm_ns_per_exit"].append(v["run_ns"] / v["exit_count"])
            r["jvmm_exits"] = v["exits"]
            r["alloc_n"].append(m1["vcpus"][0]["allocated_bytes"])
            r["alloc_2n"].append(v["allocated_bytes"])
            c_line = run([c, g2], None, "exits=")[3].strip()
            r["c_line"] = c_line
            r["c_ns_per_exit"].append(float(c_line.rsplit("ns_per_exit=", 1)[1]))
        report["exit"][kind] = r

    # VM setup: from the fork of ./jvmm to its first KVM_RUN (CLOCK_MONOTONIC on both sides: Python's monotonic
    # clock and the JVM's System.nanoTime), for 128 MiB and 4 GiB of guest RAM.
    setup = {"128M": [], "4G": [], "128M_aot": []}
    for i in range(repeats):
        for name in setup:
            print(f"whole_process: setup {name} run {i + 1}/{repeats}", file=sys.stderr, flush=True)
            env = {"JVMM_JAVA_OPTS": f"-XX:AOTCache={aot}"} if name.endswith("_aot") else {}
            if name.endswith("_aot") and not os.path.exists(aot):
                continue
            m = metrics_run(tiny + ["--memory", name.split("_")[0]], env, line)
            setup[name].append((m["first_kvm_run_monotonic_ns"] - m["fork_monotonic_ns"]) / 1e6)
    report["setup_ms"] = setup

    # Startup breakdown: class-load timestamps mark when each phase first runs (no instrumentation needed).
    log = os.path.join(out, "class-load.log")
    wall, _, status, text, _ = run(tiny, {"JVMM_JAVA_OPTS":
                                       f"-Xlog:class+load=info:file={log}:uptime -Xlog:startuptime=info:file="
                                       f"{os.path.join(out, 'startuptime.log')}:uptime"}, line)
    report["startup_wall_s"] = wall
    if os.path.exists(aot):
        log2 = os.path.join(out, "class-load-aot.log")
        wall, _, _, _, _ = run(tiny, {"JVMM_JAVA_OPTS": f"-XX:AOTCache={aot} -Xlog:class+load=info:file={log2}:uptime"},
                            line)
        report["startup_aot_wall_s"] = wall
    with open(os.path.join(out, "whole.json"), "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
