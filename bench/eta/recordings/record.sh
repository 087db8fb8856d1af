#!/bin/sh
# Records real tool runs of realistic length (15–60 s each) for the ETA benchmark (bench/eta.ts):
# each workload is built in a temporary directory, then the tool runs under test/fixtures/record.js
# and its output lands in bench/eta/recordings/<tool>/<name>.rec. The workloads are seeded, so
# their shape is the same each time; their pace is whatever the machine gives (real compile times,
# compression speed, sleeps and computation in tests).
#   sh bench/eta/recordings/record.sh              (from the repository root: every recording)
#   sh bench/eta/recordings/record.sh ninja pytest (only these workloads)
# Workloads: ninja make pytest tap rsync rsync_files pv git cargo ctest node gha. Run one recording at a time (the
# timings are the point); the whole set takes 6–8 minutes on 2 cores. Needs cmake, ninja, make, a C
# compiler, python3 with pytest, perl, rsync, pv, xz, git, script (util-linux), cargo (else that one
# is skipped) and this repository's node_modules (the source tree rsync, pv and git carry).
set -eu
root=$(pwd)
out="$root/bench/eta/recordings"
rec="node $root/test/fixtures/record.js"
[ -f "$root/test/fixtures/record.js" ] || { echo "run from the repository root" >&2; exit 64; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jobs=2

# A C project of N source files in a few static libraries and executables, for CMake. Each file has
# a lognormal number of functions (the compile time is about proportional), the median and spread
# per library, so some libraries compile quickly and one ("codegen") slowly.
#   gen_c_project DIR SEED LIB:FILES:MEDIAN:SIGMA …
gen_c_project() {
  python3 - "$@" <<'EOF'
import math, os, random, sys
root, seed, libs = sys.argv[1], int(sys.argv[2]), [a.split(':') for a in sys.argv[3:]]
r = random.Random(seed)
os.makedirs(root, exist_ok=True)
def function(name, i):
    lines = [f"int {name}_{i}(int *a, int n) {{", f"  int s = {i};"]
    for k in range(r.randint(6, 18)):
        op = r.choice('+^*-')
        lines.append(f"  for (int j = 0; j < n; j++) {{ s = s {op} (a[j] * {r.randint(2, 99)} + (s >> {r.randint(1, 7)}));"
                     f" if (s > {r.randint(1000, 9999)}) s ^= a[(j + {k}) % n]; }}")
    lines.append("  switch (s & 7) {")
    lines += [f"  case {c}: s += {r.randint(1, 999)} * n; break;" for c in range(8)]
    lines += ["  }", "  return s;", "}"]
    return "\n".join(lines) + "\n"
cmake = ["cmake_minimum_required(VERSION 3.13)", "project(etabench C)", "set(CMAKE_C_FLAGS \"-O2\")"]
names = []
for lib, files, median, sigma in libs:
    os.makedirs(f"{root}/{lib}", exist_ok=True)
    srcs = []
    for f in range(int(files)):
        name = f"{lib}_{f:03d}"
        count = max(1, min(200, round(float(median) * math.exp(float(sigma) * r.gauss(0, 1)))))
        with open(f"{root}/{lib}/{name}.c", "w") as out:
            out.write("".join(function(name, i) for i in range(count)))
            out.write(f"int {name}(int *a, int n) {{ return {name}_0(a, n); }}\n")
        srcs.append(f"{lib}/{name}.c")
        names.append(name)
    cmake.append(f"add_library({lib} STATIC {' '.join(srcs)})")
for exe in ("tool", "server", "bench"):
    picks = r.sample(names, 5)
    with open(f"{root}/{exe}.c", "w") as out:
        out.write("".join(f"int {p}(int *a, int n);\n" for p in picks))
        out.write("int main(void) { int a[4] = {1, 2, 3, 4}; return (" + " + ".join(f"{p}(a, 4)" for p in picks) + ") & 1; }\n")
    cmake.append(f"add_executable({exe} {exe}.c)")
    cmake.append(f"target_link_libraries({exe} {' '.join(l[0] for l in libs)})")
with open(f"{root}/CMakeLists.txt", "w") as out:
    out.write("\n".join(cmake) + "\n")
EOF
}

# ninja (CMake's Ninja generator, default NINJA_STATUS): ~150 files, -j2.
record_ninja() {
  mkdir -p "$out/ninja"
  gen_c_project "$tmp/ninja-src" 7 util:40:6:0.6 core:35:12:0.8 codegen:20:20:0.7 net:30:10:1.0 io:25:8:0.9
  cmake -S "$tmp/ninja-src" -B "$tmp/ninja-build" -G Ninja >/dev/null
  (cd "$tmp/ninja-build" && env -u NINJA_STATUS $rec "$out/ninja/cmake-150.rec" -- ninja -j$jobs)
}

# make (CMake's Unix Makefiles, `[ NN%]` lines): ~100 files, -j2.
record_make() {
  mkdir -p "$out/make"
  gen_c_project "$tmp/make-src" 11 base:30:8:0.7 parser:25:20:0.9 render:25:12:0.6 plugins:20:16:1.1
  cmake -S "$tmp/make-src" -B "$tmp/make-build" -G "Unix Makefiles" >/dev/null
  (cd "$tmp/make-build" && $rec "$out/make/cmake-100.rec" -- make -j$jobs)
}

# A pytest suite of ~200 tests in 5 modules, in the order pytest runs them: api (hashing, tens of
# ms), cache (sleeps like I/O), integration (15 slow tests, 0.3–2.5 s, in the middle), parser
# (sorting and regex work of varied size), utils (fast). A few fail, some skip, one xfails.
gen_pytest_suite() {
  python3 - "$1" <<'EOF'
import math, os, random, sys
root = sys.argv[1]
r = random.Random(3)
os.makedirs(root, exist_ok=True)
with open(f"{root}/pytest.ini", "w") as f:
    f.write("[pytest]\naddopts = -p no:cacheprovider\n")
with open(f"{root}/conftest.py", "w") as f:
    f.write("import hashlib\n\ndef work(ms):\n    hashlib.pbkdf2_hmac('sha256', b'secret', b'salt', max(1, int(ms * 3000)))\n")
lognormal = lambda median, sigma: median * math.exp(sigma * r.gauss(0, 1))
fails = {("api", 17), ("integration", 9), ("parser", 28)}
skips = {("cache", 5), ("cache", 6), ("integration", 3), ("utils", 41)}
xfails = {("parser", 4)}
modules = [
    ("api", 50, lambda: f"work({lognormal(60, 0.7):.0f})"),
    ("cache", 40, lambda: f"time.sleep({lognormal(0.08, 0.9):.3f})"),
    ("integration", 15, lambda: f"time.sleep({r.uniform(0.1, 0.8):.2f}); work({lognormal(600, 0.6):.0f})"),
    ("parser", 35, lambda: f"data = sorted(str(i * 7919 % 100003) for i in range({int(lognormal(80000, 0.8))})); assert re.match(r'\\d+', data[0])"),
    ("utils", 60, lambda: f"work({r.uniform(1, 15):.0f})"),
]
for mod, n, body in modules:
    with open(f"{root}/test_{mod}.py", "w") as f:
        f.write("import re, time\n\nimport pytest\n\nfrom conftest import work\n")
        for i in range(n):
            deco = ""
            if (mod, i) in skips: deco = "@pytest.mark.skip(reason='needs a live service')\n"
            if (mod, i) in xfails: deco = "@pytest.mark.xfail(reason='known bug')\n"
            fail = (mod, i) in fails or (mod, i) in xfails
            f.write(f"\n\n{deco}def test_{mod}_{i:02d}():\n    {body()}\n" + ("    assert 1 + 1 == 3, 'off by one'\n" if fail else ""))
EOF
}

# pytest, ~200 tests: the default report (one character per test) and -v (one line per test).
record_pytest() {
  mkdir -p "$out/pytest"
  gen_pytest_suite "$tmp/pytest"
  (cd "$tmp/pytest" && $rec "$out/pytest/suite-200.rec" -- python3 -m pytest) || true
  (cd "$tmp/pytest" && $rec "$out/pytest/suite-200-verbose.rec" -- python3 -m pytest -v) || true
}

# TAP from Perl's Test::More, plan first: 120 tests in groups of different pace (prime sieves of
# varied size, sorting, sleeps like I/O, a slow "migration" group with subtests), a few failures,
# skips and a todo.
record_tap() {
  mkdir -p "$out/tap"
  cat >"$tmp/suite.t" <<'EOF'
use strict;
use warnings;
use Time::HiRes qw(sleep);
use Test::More tests => 120;
srand(5);
sub lognormal { my ($median, $sigma) = @_; my $z = sqrt(-2 * log(1 - rand())) * cos(6.283185307 * rand()); $median * exp($sigma * $z) }
sub primes { my $n = shift; my @s = (1) x ($n + 1); @s[0, 1] = (0, 0);
  for my $i (2 .. int(sqrt $n)) { next unless $s[$i]; for (my $j = $i * $i; $j <= $n; $j += $i) { $s[$j] = 0 } }
  scalar grep { $_ } @s }
for my $i (1 .. 40) {
  my $n = int(lognormal(1_000_000, 0.8));
  my $count = primes($n);
  if ($i == 23) { is($count, 0, "sieve $i: primes up to $n") } else { ok($count > 0, "sieve $i: primes up to $n") }
}
for my $i (1 .. 30) {
  SKIP: {
    skip 'no database', 1 if $i % 11 == 0;
    sleep(lognormal(0.2, 0.8));
    ok(1, "query $i");
  }
}
for my $i (1 .. 10) {
  subtest "migration $i" => sub {
    plan tests => 3;
    sleep(0.2 + rand(0.6));
    ok(primes(int(lognormal(400_000, 0.5))) > 0, 'schema');
    sleep(rand(0.4));
    ok(1, 'data');
    ok($i != 7, 'indexes');
  };
}
for my $i (1 .. 40) {
  TODO: {
    local $TODO = 'unicode sort' if $i == 31;
    my @a = map { int(rand(1e6)) } 1 .. int(lognormal(120_000, 1.0));
    my @b = sort { $a <=> $b } @a;
    ok($i == 31 ? 0 : @b == @a, "sort $i: " . scalar(@a) . ' numbers');
  }
}
EOF
  $rec "$out/tap/perl-120.rec" -- perl "$tmp/suite.t" || true
}

# rsync --info=progress2, bandwidth-limited, of a source tree (this repository's node_modules,
# ~7000 files) and three large files: first to an empty directory, then to a destination that
# already holds an older copy of part of it (unchanged files are skipped, a changed large file goes
# by the delta algorithm: its matching blocks fast, its changed ones at the limit).
record_rsync() {
  mkdir -p "$out/rsync"
  src="$tmp/rsync-src"
  dst="$tmp/rsync-dst"
  mkdir -p "$src" "$dst"
  cp -a "$root/node_modules" "$src/node_modules"
  head -c 24000000 /dev/urandom >"$src/assets.bin"
  head -c 30000000 /dev/urandom >"$src/dataset.bin"
  head -c 9000000 /dev/urandom >"$src/model.bin"
  $rec "$out/rsync/tree-fresh.rec" -- rsync -a --info=progress2 --bwlimit=5000 "$src/" "$tmp/rsync-fresh/"
  rm -rf "$tmp/rsync-fresh"
  # The older copy: the first half of the packages, and dataset.bin with every 8th MB different.
  mkdir -p "$dst/node_modules"
  ls "$src/node_modules" | awk 'NR % 2 == 1' | while read -r d; do cp -a "$src/node_modules/$d" "$dst/node_modules/"; done
  cp -a "$src/dataset.bin" "$dst/dataset.bin"
  for mb in 3 11 19 27; do head -c 1000000 /dev/urandom | dd of="$dst/dataset.bin" bs=1000000 seek=$mb conv=notrunc status=none; done
  $rec "$out/rsync/tree-update.rec" -- rsync -a --no-whole-file --info=progress2 --bwlimit=2500 "$src/" "$dst/"
}

# pv on a terminal (its bar redrawn each second), two ways:
# - backup: `pv image | xz` of a 340 MB "disk image" whose parts compress at very different speeds
#   (source text ~12 MB/s, random data ~3 MB/s, zeros ~250 MB/s), so xz sets pv's pace;
# - download: a rate-limited copy whose limit changes under it (pv -R), like a link whose speed
#   changes: 3 MiB/s, then 0.8 MiB/s, 2 MiB/s, 6 MiB/s.
record_pv() {
  mkdir -p "$out/pv"
  img="$tmp/disk.img"
  tar -cf "$tmp/tree.tar" -C "$root" node_modules
  {
    cat "$tmp/tree.tar"
    head -c 20000000 /dev/urandom
    head -c 200000000 /dev/zero
    head -c 15000000 /dev/urandom
    cat "$tmp/tree.tar"
  } >"$img"
  $rec "$out/pv/backup-xz.rec" --pty -- sh -c 'pv "$1" | xz -3 -T1 >/dev/null' sh "$img"
  head -c 64000000 /dev/urandom >"$tmp/download.bin"
  $rec "$out/pv/download-steps.rec" --pty -- sh -c '
    pv -L 3m "$1" >/dev/null & p=$!
    sleep 6; pv -R $p -L 800k
    sleep 8; pv -R $p -L 2m
    sleep 6; pv -R $p -L 6m
    wait $p' sh "$tmp/download.bin"
  rm -f "$img" "$tmp/download.bin"
}

# git clone --progress (no terminal needed) over the pack protocol (file://, --no-local) of a
# repository of ~14000 objects: this repository's node_modules vendored in 6 commits, then 30
# commits touching 150 files each (deltas), never repacked, so the server counts and compresses
# for real. The server's output is throttled to ~400 KB/s (pv in --upload-pack) like a slow link.
record_git() {
  mkdir -p "$out/git"
  repo="$tmp/git-origin"
  mkdir -p "$repo"
  (
    cd "$repo"
    git init -q
    git config user.email bench@example.com
    git config user.name bench
    git config gc.auto 0
    python3 - "$root/node_modules" <<'EOF'
import os, random, shutil, subprocess, sys
r = random.Random(9)
src = sys.argv[1]
pkgs = sorted(p for p in os.listdir(src) if os.path.isdir(f"{src}/{p}") and not p.startswith("."))
def git(*a): subprocess.run(["git", *a], check=True, stdout=subprocess.DEVNULL)
for i in range(6):
    for p in pkgs[i::6]:
        shutil.copytree(f"{src}/{p}", f"vendor/{p}", symlinks=True)
    git("add", "-A"); git("commit", "-qm", f"vendor batch {i}")
files = sorted(os.path.join(d, f) for d, _, fs in os.walk("vendor") for f in fs if f.endswith((".js", ".ts", ".md", ".json")))
for c in range(30):
    for f in r.sample(files, 150):
        with open(f, "a") as fh: fh.write(f"\n// revision {c} {r.random()}\n" * r.randint(1, 20))
    git("add", "-A"); git("commit", "-qm", f"update {c}")
EOF
  )
  $rec "$out/git/clone-throttled.rec" -- git clone --progress --no-local \
    --upload-pack 'f() { git-upload-pack "$@" | pv -q -L 400k; }; f' "file://$repo" "$tmp/git-clone"
}

# cargo build (debug, -j2, offline: path dependencies only) of a workspace of 24 generated crates
# depending on each other in layers, each with a lognormal number of macro-generated structs and
# generic functions, and a binary on top; on a terminal, so cargo draws its `Building [==> ] n/N`
# bar.
record_cargo() {
  command -v cargo >/dev/null || { echo "no cargo: skipped" >&2; return 0; }
  mkdir -p "$out/cargo"
  python3 - "$tmp/cargo-ws" <<'EOF'
import math, os, random, sys
root = sys.argv[1]
r = random.Random(21)
n = 24
names = [f"{w}_{i:02d}" for i, w in enumerate(r.choice(["model", "store", "codec", "proto", "cache", "query", "index", "sched"]) for _ in range(n))]
deps = {name: (r.sample(names[:i], min(i, r.randint(1, 3))) if i > 0 else []) for i, name in enumerate(names)}
def lib(name, count):
    out = ["#![allow(dead_code, unused)]", "use std::collections::HashMap;",
           "macro_rules! record { ($name:ident, $($f:ident: $t:ty),*) => {",
           "  #[derive(Debug, Clone, PartialEq, Default)] pub struct $name { $(pub $f: $t),* }",
           "  impl $name { pub fn describe(&self) -> String { let mut s = String::new(); $( s.push_str(&format!(\"{}={:?};\", stringify!($f), self.$f)); )* s } }",
           "}; }"]
    for i in range(count):
        fields = ", ".join(f"f{k}: {r.choice(['u32', 'i64', 'String', 'Vec<u8>', 'Option<f64>'])}" for k in range(r.randint(3, 9)))
        out.append(f"record!(Rec{i}, {fields});")
        out.append(f"pub fn calc_{i}<T: Into<i64> + Copy>(xs: &[T]) -> HashMap<i64, usize> {{ let mut m = HashMap::new(); for (j, x) in xs.iter().enumerate() {{ let v: i64 = (*x).into(); let k = match v % 5 {{ 0 => v * {r.randint(2, 9)}, 1 => v + {r.randint(1, 99)}, 2 => v ^ {r.randint(1, 999)}, 3 => v.rotate_left({r.randint(1, 30)}), _ => -v }}; *m.entry(k).or_insert(0) += j; }} m }}")
        out.append(f"pub fn use_{i}() -> usize {{ calc_{i}(&[1u32, 2, 3]).len() + calc_{i}(&[1i64, 5]).len() + Rec{i}::default().describe().len() }}")
    out.append("pub fn entry() -> usize { " + " + ".join([f"use_{i}()" for i in range(min(count, 5))] + [f"{d}::entry()" for d in deps[name]]) + " }")
    return "\n".join(out) + "\n"
def manifest(name, dependencies, kind=""):
    lines = ["[package]", f'name = "{name}"', 'version = "0.1.0"', 'edition = "2021"', "publish = false", "", "[dependencies]"]
    lines += [f'{d} = {{ path = "../{d}" }}' for d in dependencies]
    return "\n".join(lines) + "\n"
for name in names:
    os.makedirs(f"{root}/crates/{name}/src", exist_ok=True)
    count = max(5, min(600, round(200 * math.exp(0.8 * r.gauss(0, 1)))))
    with open(f"{root}/crates/{name}/Cargo.toml", "w") as f: f.write(manifest(name, deps[name]))
    with open(f"{root}/crates/{name}/src/lib.rs", "w") as f: f.write(lib(name, count))
os.makedirs(f"{root}/crates/app/src", exist_ok=True)
tops = names[-4:]
with open(f"{root}/crates/app/Cargo.toml", "w") as f: f.write(manifest("app", tops))
with open(f"{root}/crates/app/src/main.rs", "w") as f:
    f.write("fn main() { println!(\"{}\", " + " + ".join(f"{t}::entry()" for t in tops) + "); }\n")
with open(f"{root}/Cargo.toml", "w") as f:
    f.write('[workspace]\nresolver = "2"\nmembers = [' + ", ".join(f'"crates/{m}"' for m in names + ["app"]) + "]\n")
EOF
  (cd "$tmp/cargo-ws" && cargo generate-lockfile --offline -q)
  (cd "$tmp/cargo-ws" && CARGO_TARGET_DIR="$tmp/cargo-target" $rec "$out/cargo/workspace-25-pty.rec" --pty -- cargo build --offline -j$jobs)
}

# A test program for ctest workloads: `job spin|wait MS [EXIT]` computes or sleeps, then exits.
#   write_job_c DIR
write_job_c() {
  mkdir -p "$1"
  cat >"$1/job.c" <<'EOF'
/* job spin|wait MS [EXIT]: computes or sleeps for MS ms, then exits with EXIT. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
int main(int argc, char **argv) {
  double ms = atof(argv[2]), end = now() + ms;
  volatile unsigned long x = 1;
  if (strcmp(argv[1], "spin") == 0) while (now() < end) for (int i = 0; i < 10000; i++) x = x * 6364136223846793005UL + 1;
  else { struct timespec t = { (time_t)(ms / 1000), (long)((ms - 1000 * (long)(ms / 1000)) * 1e6) }; nanosleep(&t, 0); }
  return argc > 3 ? atoi(argv[3]) : 0;
}
EOF
}

# ctest -j2: 64 tests of one small program that computes (busy) or waits (sleep) for a lognormal
# time, a few much longer, three failing and one disabled, in a CMake project built beforehand.
record_ctest() {
  mkdir -p "$out/ctest"
  write_job_c "$tmp/ctest-src"
  python3 - "$tmp/ctest-src" <<'EOF'
import math, os, random, sys
root = sys.argv[1]
r = random.Random(13)
os.makedirs(root, exist_ok=True)
lines = ["cmake_minimum_required(VERSION 3.13)", "project(etactest C)", "add_executable(job job.c)", "enable_testing()"]
groups = ["unit", "storage", "network", "e2e"]
for i in range(64):
    group = groups[i * len(groups) // 64]
    ms = {"unit": 120, "storage": 350, "network": 500, "e2e": 1500}[group] * math.exp(0.7 * r.gauss(0, 1))
    mode = "spin" if r.random() < 0.5 else "wait"
    code = 1 if i in (9, 30, 51) else 0
    name = f"{group}_{i:02d}"
    lines.append(f"add_test(NAME {name} COMMAND job {mode} {ms:.0f} {code})")
    if i == 40: lines.append(f"set_tests_properties({name} PROPERTIES DISABLED TRUE)")
with open(f"{root}/CMakeLists.txt", "w") as f: f.write("\n".join(lines) + "\n")
EOF
  cmake -S "$tmp/ctest-src" -B "$tmp/ctest-build" -G Ninja >/dev/null
  ninja -C "$tmp/ctest-build" >/dev/null
  (cd "$tmp/ctest-build" && $rec "$out/ctest/jobs-64.rec" -- ctest -j$jobs) || true
}

# node --test, a suite of ~200 tests in 5 files, nested both ways node allows: describe()/it()
# suites, and test()s with t.test() subtests. api (hashing, tens of ms, describe > describe > it),
# cache (sleeps like I/O, test > t.test > t.test), integration (12 slow tests, 0.5–2 s, in suites
# per service), parser (sorting work of varied size, test > t.test), utils (fast). Three fail (one
# deep in subtests), four skip and three are todo, at several depths. node runs the files one at a
# time here (its concurrency is the cores less one), in name order.
gen_node_suite() {
  python3 - "$1" <<'EOF'
import math, os, random, sys
root = sys.argv[1]
r = random.Random(17)
os.makedirs(root, exist_ok=True)
lognormal = lambda median, sigma: median * math.exp(sigma * r.gauss(0, 1))
head = ("import { describe, it, test } from 'node:test';\n"
        "import assert from 'node:assert';\n"
        "import { pbkdf2Sync } from 'node:crypto';\n"
        "import { setTimeout as sleep } from 'node:timers/promises';\n"
        "const work = (ms) => pbkdf2Sync('secret', 'salt', Math.max(1, Math.round(ms * 2500)), 32, 'sha256');\n"
        "const sortWork = (n) => { const a = Array.from({ length: n }, (_, i) => String(i * 7919 % 100003)); a.sort(); return a; };\n")
def options(kind, reason):
    return {None: "", "skip": f"{{ skip: '{reason}' }}, ", "todo": f"{{ todo: '{reason}' }}, "}[kind]
def body(code, fail=None):
    return f"async () => {{ {code}{f' assert.strictEqual({fail[0]}, {fail[1]});' if fail else ''} }}"
def ctx_body(code, fail=None):
    return f"async (t) => {{ {code}{f' assert.strictEqual({fail[0]}, {fail[1]});' if fail else ''} }}"

# api: describe > describe > it, hashing work
lines = [head, "describe('api', () => {"]
for v in ("v1", "v2", "admin"):
    lines.append(f"  describe('{v}', () => {{")
    for i in range(14):
        name = f"{v} endpoint {i:02d}"
        fail = ("1 + 1", "3") if (v, i) == ("v2", 9) else None
        kind = ("skip", "needs a live service") if (v, i) == ("admin", 5) else (None, None)
        lines.append(f"    it('{name}', {options(*kind)}{body(f'work({lognormal(55, 0.7):.0f});', fail)});")
    lines.append("  });")
lines.append("});")
open(f"{root}/api.test.mjs", "w").write("\n".join(lines) + "\n")

# cache: test > t.test > t.test, sleeps
lines = [head]
for g in range(6):
    lines.append(f"test('cache shard {g}', async (t) => {{")
    for k in range(5):
        kind = ("skip", "no redis") if (g, k) == (2, 3) else ("todo", "eviction policy") if (g, k) == (4, 1) else (None, None)
        code = f"await sleep({lognormal(90, 0.9):.0f});"
        if (g, k) == (4, 1): code += " throw new Error('not implemented');"
        if k == 4:
            lines.append(f"  await t.test('key {k}', {options(*kind)}async (t) => {{")
            for s in range(3):
                lines.append(f"    await t.test('replica {s}', {body(f'await sleep({lognormal(60, 0.8):.0f});')});")
            lines.append("  });")
        else:
            lines.append(f"  await t.test('key {k}', {options(*kind)}{body(code)});")
    lines.append("});")
open(f"{root}/cache.test.mjs", "w").write("\n".join(lines) + "\n")

# integration: describe per service > it, slow (sleep then hashing); one failure deep in a test's subtests
lines = [head, "describe('integration', () => {"]
for s, svc in enumerate(("billing", "search", "accounts", "reports")):
    lines.append(f"  describe('{svc}', () => {{")
    for i in range(3):
        n = s * 3 + i
        code = f"await sleep({r.uniform(400, 1400):.0f}); work({lognormal(550, 0.5):.0f});"
        if n == 9:
            lines.append(f"    it('{svc} flow {i}', async (t) => {{")
            lines.append(f"      await t.test('prepare', {body(code)});")
            lines.append(f"      await t.test('check totals', {body('work(40);', ('41', '42'))});")
            lines.append("    });")
        elif n == 4:
            lines.append(f"    it('{svc} flow {i}', {options('skip', 'staging is down')}{body(code)});")
        else:
            lines.append(f"    it('{svc} flow {i}', {body(code)});")
    lines.append("  });")
lines.append("});")
open(f"{root}/integration.test.mjs", "w").write("\n".join(lines) + "\n")

# parser: test > t.test, sorting work of varied size
lines = [head]
for f in range(6):
    lines.append(f"test('parser format {f}', async (t) => {{")
    for c in range(6):
        n = f * 6 + c
        fail = ("sortWork(3)[0]", "'1'") if n == 28 else None
        kind = ("todo", "streaming input") if n == 13 else (None, None)
        lines.append(f"  await t.test('case {c}', {options(*kind)}{body(f'sortWork({int(lognormal(60000, 0.8))});', fail)});")
    lines.append("});")
open(f"{root}/parser.test.mjs", "w").write("\n".join(lines) + "\n")

# utils: describe > it, fast
lines = [head, "describe('utils', () => {"]
for i in range(50):
    kind = ("skip", "windows only") if i == 41 else ("todo", "unicode") if i == 12 else (None, None)
    lines.append(f"  it('util {i:02d}', {options(*kind)}{body(f'work({r.uniform(1, 12):.0f});')});")
lines.append("});")
open(f"{root}/utils.test.mjs", "w").write("\n".join(lines) + "\n")
EOF
}

# node --test on that suite, twice: TAP through a pipe (--test-reporter=tap), and on a terminal,
# where node's default reporter is spec (coloured, ▶ groups, ℹ summary).
record_node() {
  mkdir -p "$out/node"
  gen_node_suite "$tmp/node-suite"
  (cd "$tmp/node-suite" && $rec "$out/node/suite-200-tap.rec" -- node --test --test-reporter=tap) || true
  (cd "$tmp/node-suite" && $rec "$out/node/suite-200-spec-pty.rec" --pty -- node --test) || true
}

# rsync --progress (per-file bars, each file's name then its bar, ended by `(xfr#N, to-chk=K/M)`)
# of 4 packages of this repository's node_modules: ~450 files in ~110 directories, ~25 MB, most of
# it in a few large files (typescript's lib/typescript.js, _tsc.js, lib.dom.d.ts: several MB
# each, whose bars run for seconds), limited to 1000 KiB/s: ~25 s. The run's progress is the
# files checked of to-chk's total, not the bars.
record_rsync_files() {
  mkdir -p "$out/rsync"
  src="$tmp/rsync-files-src"
  mkdir -p "$src"
  for pkg in execa resolve typescript yargs; do cp -a "$root/node_modules/$pkg" "$src/$pkg"; done
  $rec "$out/rsync/progress-files.rec" -- rsync -a --progress --bwlimit=1000 "$src/" "$tmp/rsync-files-dst/"
}

# A GitHub Actions job: Build (make -j2, ~60 files) and Test (ctest -j2, 30 tests), in groups.
record_gha() {
  mkdir -p "$out/github-actions"
  gen_c_project "$tmp/gha-src" 17 base:20:6:0.6 net:15:9:0.8 codegen:10:14:0.7 io:15:5:0.9
  write_job_c "$tmp/gha-src"
  python3 - "$tmp/gha-src" <<'EOF'
import math, random, sys
root = sys.argv[1]
r = random.Random(19)
lines = ["enable_testing()", "add_executable(job job.c)"]
groups = ["unit", "storage", "e2e"]
for i in range(30):
    group = groups[i * len(groups) // 30]
    ms = {"unit": 150, "storage": 400, "e2e": 1200}[group] * math.exp(0.6 * r.gauss(0, 1))
    mode = "spin" if r.random() < 0.5 else "wait"
    code = 1 if i == 17 else 0
    lines.append(f"add_test(NAME {group}_{i:02d} COMMAND job {mode} {ms:.0f} {code})")
with open(f"{root}/CMakeLists.txt", "a") as f: f.write("\n".join(lines) + "\n")
EOF
  cmake -S "$tmp/gha-src" -B "$tmp/gha-build" -G "Unix Makefiles" >/dev/null
  # As a workflow's run steps print them: no `set -e`, so the job goes on past a failing step.
  cat >"$tmp/gha-job.sh" <<EOF
echo '::group::Build'
make -j$jobs
echo '::endgroup::'
echo '::group::Test'
ctest -j$jobs
echo '::endgroup::'
EOF
  (cd "$tmp/gha-build" && $rec "$out/github-actions/make-ctest-groups.rec" -- sh "$tmp/gha-job.sh")
}

for w in ${*:-ninja make pytest tap rsync rsync_files pv git cargo ctest node gha}; do
  echo "== $w" >&2
  "record_$w"
done
