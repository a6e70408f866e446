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
    """Runs cmd once; returns (wall seconds, peak RSS KiB, exit status, output)."""
    env = dict(os.environ)
    env["JVMM_AOT"] = "0"  # ./jvmm's own cache stays out; the AOT variants name theirs
    env.update(env_extra or {})
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
    return wall, rusage.ru_maxrss, p.returncode, text


def series(variants, repeats):
    """variants: name -> (cmd, env, expect). Interleaves them; returns name -> {wall_s: [...], rss_kib: [...]}."""
    result = {name: {"wall_s": [], "rss_kib": [], "status": None} for name in variants}
    for i in range(repeats):
        for name, (cmd, env, expect) in variants.items():
            print(f"whole_process: {name} run {i + 1}/{repeats}", file=sys.stderr, flush=True)
            wall, rss, status, _ = run(cmd, env, expect)
            result[name]["wall_s"].append(wall)
            result[name]["rss_kib"].append(rss)
            result[name]["status"] = status
    return result


def main():
    out, repeats, exits = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    jvmm = [os.path.join(ROOT, "jvmm"), "boot"]
    report = {"kvm": "native" if os.environ.get("JVMM_BENCH_NESTED") != "1" else "nested"}

    # JDK 25 AOT cache: one training run on the tiny guest (it also assembles the cache at exit).
    aot = os.path.join(out, "jvmm.aot")
    tiny = jvmm + ["--kernel", os.path.join(GUESTS, "reset-hello.bin"), "--format", "flat", "--irqchip"]
    wall, _, status, text = run(tiny, {"JVMM_JAVA_OPTS": f"-XX:AOTCacheOutput={aot}"})
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

    # Exit round trip: the same real-mode guest with 0 and EXITS port writes, under jvmm and the C yardstick;
    # ns per exit is the difference of the medians over the difference in exits, for both alike.
    io0, ion = os.path.join(BENCH, "guest-io-0.bin"), os.path.join(BENCH, f"guest-io-{exits}.bin")
    c = os.path.join(BENCH, "kvm-exit-baseline")
    flat = ["--format", "flat", "--entry", "real"]
    report["exits"] = exits
    report["exit"] = series({
        "jvmm_0": (jvmm + ["--kernel", io0] + flat, {}, None),
        "jvmm_n": (jvmm + ["--kernel", ion] + flat, {}, None),
        "c_0": ([c, io0], {}, "exits="),
        "c_n": ([c, ion], {}, "exits="),
    }, repeats)
    report["c_self_reported"] = run([c, ion])[3].strip()

    # Startup breakdown: class-load timestamps mark when each phase first runs (no instrumentation needed).
    log = os.path.join(out, "class-load.log")
    wall, _, status, text = run(tiny, {"JVMM_JAVA_OPTS":
                                       f"-Xlog:class+load=info:file={log}:uptime -Xlog:startuptime=info:file="
                                       f"{os.path.join(out, 'startuptime.log')}:uptime"}, line)
    report["startup_wall_s"] = wall
    if os.path.exists(aot):
        log2 = os.path.join(out, "class-load-aot.log")
        wall, _, _, _ = run(tiny, {"JVMM_JAVA_OPTS": f"-XX:AOTCache={aot} -Xlog:class+load=info:file={log2}:uptime"},
                            line)
        report["startup_aot_wall_s"] = wall
    with open(os.path.join(out, "whole.json"), "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
