#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The performance benchmark: prints one line per target with the
# measured ratio and PASS/MISS. Not a test (nothing here fails the build);
# see tests/bench/README.md.
#
#   tests/bench/run.sh [BUILDDIR]        (default build-plain)
#   BENCH_N=21 tests/bench/run.sh        paired runs per comparison (default 11)
#   BENCH_KEEP=1                         keep the generated inputs (path printed)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-${CWMS_BUILD_ROOT:-$src/build-plain}}
case $build in /*) ;; *) build=$PWD/$build ;; esac
N=${BENCH_N:-${N:-11}}
data=${CWMS_TEST_DATA:-$src/tests/data}
cwms=$build/cli/cwms-bundle
floor=$build/tests/bench/bench-floor
gen=$build/tests/bench/bench-gen-certs
export OPENSSL_CONF=/dev/null

die() { echo "bench: $*" >&2; exit 1; }
[ -f "$data/cfssl_trust/int-bundle.crt" ] || die "no $data/cfssl_trust (set CWMS_TEST_DATA)"
[ -x "$floor" ] && [ -x "$gen" ] || die "build the helpers first: ninja -C $build"
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash 5 (EPOCHREALTIME)"
have_cwms=0; [ -x "$cwms" ] && have_cwms=1
have_cfssl=0; command -v cfssl >/dev/null && have_cfssl=1
have_time=0; [ -x /usr/bin/time ] && have_time=1

work=$(mktemp -d "${TMPDIR:-/tmp}/cwms-bench.XXXXXX")
if [ "${BENCH_KEEP:-0}" = 1 ]; then
    echo "bench: inputs kept in $work" >&2
else
    trap 'rm -rf "$work"' EXIT
fi

#-
# Inputs
#

# PEM certificate blocks of the given files, one block per line (\n escaped).
pem_lines() {
    awk '/-----BEGIN CERTIFICATE-----/ { b = ""; on = 1 }
         on { b = b $0 "\\n" }
         /-----END CERTIFICATE-----/ { print b; on = 0 }' "$@"
}
unlines() { awk '{ gsub(/\\n/, "\n"); printf "%s", $0 }'; }
# A fixed shuffle, so every run of the bench sees the same order.
shuffled() { shuf --random-source=<(yes cwms-bundle-bench); }

# shellcheck source=../lib/pki.sh
. "$src/tests/lib/pki.sh"
pki_init "$work/pki"
pki_hierarchy >/dev/null || die "could not generate the test PKI (tests/lib/pki.sh)"
LEAF=$work/pki/server.crt
ROOTS=$work/roots.pem
POOL=$work/pool.pem
pem_lines "$data/cfssl_trust/ca-bundle.crt" "$work/pki/root.crt" | shuffled | unlines > "$ROOTS"
pem_lines "$data/cfssl_trust/int-bundle.crt" "$work/pki/primary.crt" "$work/pki/secondary.crt" \
    | shuffled | unlines > "$POOL"
n_roots=$(grep -c 'BEGIN CERTIFICATE' "$ROOTS")
n_pool=$(grep -c 'BEGIN CERTIFICATE' "$POOL")

# 10x (and 5x, to see the slope) pools: the real pool plus generated intermediates.
"$gen" $((9 * n_pool)) > "$work/generated.pem" 2>/dev/null || die "bench-gen-certs failed"
pem_lines "$work/generated.pem" > "$work/generated.lines"
head -n $((4 * n_pool)) "$work/generated.lines" | cat <(pem_lines "$POOL") - | shuffled | unlines > "$work/pool5.pem"
cat <(pem_lines "$POOL") "$work/generated.lines" | shuffled | unlines > "$work/pool10.pem"
n_pool5=$(grep -c 'BEGIN CERTIFICATE' "$work/pool5.pem")
n_pool10=$(grep -c 'BEGIN CERTIFICATE' "$work/pool10.pem")

# 5,000 decoys with the secondary CA's subject, every 10th with its SKI too;
# the real secondary and primary come last.
"$gen" 5000 --subject-from "$work/pki/secondary.crt" --ski-from "$work/pki/secondary.crt" 10 \
    > "$work/same-subject.pem" 2>/dev/null || die "bench-gen-certs (same subject) failed"
cat "$work/pki/secondary.crt" "$work/pki/primary.crt" >> "$work/same-subject.pem"

#-
# Answers: every timed run is held to one
#

fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//'; }
# The SHA-256 fingerprints of a PEM file's certificates, in file order, one a line.
fps_of() { pem_lines "$1" | while IFS= read -r b; do printf '%b' "$b" | fp /dev/stdin; done; }
# The fingerprints of the generated PKI's certificates ID..., one a line.
fps_want() { local id; for id in "$@"; do fp "$work/pki/$id.crt"; done; }
# order_is FILE ID...: FILE's certificates are exactly those, in that order.
order_is() { [ "$(fps_of "$1")" = "$(fps_want "${@:2}")" ]; }

# check_NAME OUT RC: the answer of one run of the command NAME is right. OUT.out and
# OUT.err hold its standard output and error, OUT.pem what it wrote with -o, RC its exit
# status. Judged once, on the run kept as the reference; every timed run must then give
# the same exit status and the same bytes (same_answer).
check_cwms_build() { [ "$2" -eq 0 ] && order_is "$1.pem" primary secondary server; }
check_cwms_build10() { check_cwms_build "$@"; }
check_cwms_same_subject() { check_cwms_build "$@" || grep -qi 'gave up after' "$1.err"; }
check_openssl_verify() { [ "$2" -eq 0 ] && [ "$(cat "$1.out")" = "$LEAF: OK" ]; }
check_everyday_openssl() { check_openssl_verify "$@"; }
check_floor_read() { [ "$2" -eq 0 ] && grep -q '^[1-9][0-9]* blocks, ' "$1.out"; }
# The bundle as CWMS 2.5 wants it: the key, then primary, secondary, server.
everyday_right() {
    [ "$(pem_types "$1" | head -n 1)" = "PRIVATE KEY" ] && [ "$(pem_types "$1" | grep -vc CERTIFICATE)" -eq 1 ] \
        && order_is "$1" primary secondary server \
        && [ "$(openssl pkey -in "$1" -pubout)" = "$(openssl pkey -in "$work/pki/server.key" -pubout)" ]
}
check_everyday_cwms() { [ "$2" -eq 0 ] && everyday_right "$1.pem"; }
check_everyday_cwms_stdout() { [ "$2" -eq 0 ] && everyday_right "$1.out"; }
# cfssl's JSON: the server certificate's bundle server, secondary, primary, anchored at the root.
check_cfssl_bundle() {
    [ "$2" -eq 0 ] || return 1
    python3 - "$1.out" "$(fps_want server secondary primary | tr '\n' ' ')" "$(fps_want root)" << 'PY'
import base64, hashlib, json, re, sys
doc = json.load(open(sys.argv[1]))
def fps(pem):
    return [hashlib.sha256(base64.b64decode("".join(b.split()))).hexdigest().upper()
            for b in re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", pem, re.S)]
want = [f.replace(":", "") for f in sys.argv[2].split()]
got = fps(doc["bundle"])
assert got == want, f"cfssl bundle: {got} != {want}"
assert fps(doc["root"]) == [sys.argv[3].replace(":", "")], "cfssl bundle: another root"
PY
}
pem_types() { sed -n 's/^-----BEGIN \(.*\)-----$/\1/p' "$1"; }

# reference NAME: one run of NAME, untimed (it warms the caches too), judged by check_NAME
# and kept: its exit status in REF_RC[NAME], its files as $work/ref/NAME.*.
declare -A REF_RC
reference() {
    local name=$1 rc=0
    mkdir -p "$work/ref"
    rm -f "$work/ref/$name".*
    OUT=$work/ref/$name
    "$name" > "$OUT.out" 2> "$OUT.err" || rc=$?
    if ! "check_$name" "$OUT" "$rc"; then
        sed 's/^/    /' "$OUT.err" | head -n 20 >&2
        die "$name (exit $rc) did not give the right answer; nothing was timed"
    fi
    REF_RC[$name]=$rc
}

# same_answer NAME OUT RC: a timed run answered as the reference did: the same exit status,
# and the same bytes or, where they differ (cfssl lists a certificate's names in no fixed
# order), an answer check_NAME judges right too.
same_answer() {
    local name=$1 out=$2 rc=$3 ref=$work/ref/$1 f
    [ "$rc" -eq "${REF_RC[$name]}" ] || { sed 's/^/    /' "$out.err" >&2; die "a timed run of $name exited $rc, not ${REF_RC[$name]}"; }
    for f in out pem; do
        if [ -e "$ref.$f" ] || [ -e "$out.$f" ]; then
            cmp -s "$ref.$f" "$out.$f" || "check_$name" "$out" "$rc" \
                || die "a timed run of $name gave a wrong answer ($out.$f)"
        fi
    done
}

#-
# Timing
#

# run_once NAME: "WALL CPU" in milliseconds of one run of the command NAME (CPU = user +
# sys), by bash's own `time`, so nothing extra forks. `time` counts whole milliseconds,
# too coarse for a command that takes a few: with REPS=K each sample times K runs back to
# back and divides by K. Each run writes its own files ($OUT.out, .err, .pem) and its exit
# status is kept; once the clock has stopped, every one is held to the reference.
REPS=1
run_once() {
    local name=$1 TIMEFORMAT='%3R %3U %3S' r
    local -a rcs=()
    mkdir -p "$work/runs"
    rm -f "$work/runs/$name".*
    { time for ((r = 0; r < REPS; r++)); do
        OUT=$work/runs/$name.$r
        rcs[r]=0
        "$name" > "$OUT.out" 2> "$OUT.err" || rcs[r]=$?
    done; } 2> "$work/runs/time"
    for ((r = 0; r < REPS; r++)); do
        same_answer "$name" "$work/runs/$name.$r" "${rcs[r]}"
    done
    awk -v k="$REPS" '{ printf "%.3f %.3f\n", $1 * 1000 / k, ($2 + $3) * 1000 / k }' "$work/runs/time"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# paired A-FUNC B-FUNC: N runs alternating A and B after a reference run of each.
# Sets MED_A, MED_B (wall ms), RATIO (median of the per-pair wall ratios A/B)
# and CPU_RATIO (the same over CPU time, steadier on a loaded machine).
paired() {
    local a=$1 b=$2 i ra rb
    local -a rs=() cs=() as=() bs=()
    reference "$a"
    reference "$b"
    for ((i = 0; i < N; i++)); do
        if ((i % 2 == 0)); then
            ra=$(run_once "$a"); rb=$(run_once "$b")
        else
            rb=$(run_once "$b"); ra=$(run_once "$a")
        fi
        as+=("${ra% *}"); bs+=("${rb% *}")
        rs+=("$(awk -v x="${ra% *}" -v y="${rb% *}" 'BEGIN { printf "%.6f", x / y }')")
        cs+=("$(awk -v x="${ra#* }" -v y="${rb#* }" 'BEGIN { printf "%.6f", (y > 0) ? x / y : 0 }')")
    done
    MED_A=$(printf '%s\n' "${as[@]}" | median | awk '{ printf "%.2f", $1 }')
    MED_B=$(printf '%s\n' "${bs[@]}" | median | awk '{ printf "%.2f", $1 }')
    RATIO=$(printf '%s\n' "${rs[@]}" | median | awk '{ printf "%.3f", $1 }')
    CPU_RATIO=$(printf '%s\n' "${cs[@]}" | median | awk '{ printf "%.3f", $1 }')
}

# verdict RATIO LIMIT: PASS when RATIO <= LIMIT.
verdict() { awk -v r="$1" -v l="$2" 'BEGIN { print (r <= l) ? "PASS" : "MISS" }'; }

# line TARGET TEXT...
line() { printf '%-4s %s\n' "$1" "${*:2}"; }

# Peak resident memory of one run, in KiB.
maxrss_kib() {
    /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>&1 || true
    tail -n 1 "$work/rss"
}

#-
# The commands compared: each writes to $OUT (set by reference and run_once)
#

# The real pool holds a few end-entity certificates too (a CloudFlare origin
# certificate), so without a key the leaf is named by its fingerprint.
LEAF_FP=$(openssl x509 -in "$LEAF" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g')
cwms_run() { "$cwms" build --no-key --leaf "$LEAF_FP" --trust "$ROOTS" --cwms 2.5 "$@"; }
cwms_build() { cwms_run -o "$OUT.pem" "$LEAF" "$POOL"; }
cwms_build10() { cwms_run -o "$OUT.pem" "$LEAF" "$work/pool10.pem"; }
cwms_same_subject() { cwms_run -o "$OUT.pem" "$LEAF" "$work/same-subject.pem"; }
openssl_verify() { openssl verify -purpose sslserver -CAfile "$ROOTS" -untrusted "$POOL" "$LEAF"; }
cfssl_bundle() { cfssl bundle -cert "$LEAF" -int-bundle "$POOL" -ca-bundle "$ROOTS"; }
floor_read() { "$floor" "$LEAF" "$POOL" "$ROOTS"; }

echo "cwms-bundle bench: N=$N paired runs, medians; leaf + pool of $n_pool intermediates + $n_roots roots" \
     "($(nproc) CPUs, $(openssl version | cut -d' ' -f1-2)); every timed run's exit status and" \
     "output checked"

#-
# 1. against openssl verify and cfssl bundle; 2. against the floor
#
if [ "$have_cwms" = 1 ]; then
    paired cwms_build openssl_verify
    line 1a "cwms-bundle build ${MED_A} ms vs openssl verify -purpose sslserver ${MED_B} ms: ratio $RATIO, CPU $CPU_RATIO (target <= 0.125) $(verdict "$RATIO" 0.125)"
    if [ "$have_cfssl" = 1 ]; then
        paired cwms_build cfssl_bundle
        line 1b "cwms-bundle build ${MED_A} ms vs cfssl bundle ${MED_B} ms: ratio $RATIO, CPU $CPU_RATIO (target <= 0.5) $(verdict "$RATIO" 0.5)"
    else
        line 1b "SKIP: cfssl not installed (Debian golang-cfssl; CWMS_WITH_BENCH=1 ci/install-deps.sh)"
    fi
    paired cwms_build floor_read
    line 2 "cwms-bundle build ${MED_A} ms vs floor (read + base64 of the same PEM) ${MED_B} ms: ratio $RATIO, CPU $CPU_RATIO (target <= 2.5) $(verdict "$RATIO" 2.5)"
else
    # The references alone, so the script is useful before the CLI exists.
    paired openssl_verify floor_read
    line 1a "SKIP: no $cwms (openssl verify ${MED_A} ms; floor ${MED_B} ms)"
    if [ "$have_cfssl" = 1 ]; then
        paired cfssl_bundle floor_read
        line 1b "SKIP: no $cwms (cfssl bundle ${MED_A} ms; floor ${MED_B} ms)"
    fi
    line 2 "SKIP: no $cwms"
fi

#-
# 3. linear in the pool: time and peak memory
#
if [ "$have_cwms" = 1 ]; then
    paired cwms_build10 cwms_build
    line 3a "10x pool ($n_pool10 certificates) ${MED_A} ms vs 1x ($n_pool) ${MED_B} ms: ratio $RATIO, CPU $CPU_RATIO (target <= 11) $(verdict "$RATIO" 11)"
    if [ "$have_time" = 1 ]; then
        rss_args=(build --no-key --leaf "$LEAF_FP" --trust "$ROOTS" --cwms 2.5 -o /dev/null "$LEAF")
        m1=$(maxrss_kib "$cwms" "${rss_args[@]}" "$POOL")
        m5=$(maxrss_kib "$cwms" "${rss_args[@]}" "$work/pool5.pem")
        m10=$(maxrss_kib "$cwms" "${rss_args[@]}" "$work/pool10.pem")
        read -r per1 per2 verdict_mem < <(awk -v m1="$m1" -v m5="$m5" -v m10="$m10" \
            -v n1="$n_pool" -v n5="$n_pool5" -v n10="$n_pool10" 'BEGIN {
                a = (m5 - m1) * 1024 / (n5 - n1); b = (m10 - m5) * 1024 / (n10 - n5);
                # Linear: the second half costs per certificate what the first did (25% slack).
                printf "%.0f %.0f %s\n", a, b, (b <= a * 1.25 + 256) ? "PASS" : "MISS" }')
        line 3b "peak RSS 1x $((m1 / 1024)) MiB, 5x $((m5 / 1024)) MiB, 10x $((m10 / 1024)) MiB:" \
                "$per1 bytes/certificate (1x->5x), $per2 bytes/certificate (5x->10x) (target: linear) $verdict_mem"
    else
        line 3b "SKIP: /usr/bin/time not installed (Debian time)"
    fi
else
    line 3 "SKIP: no $cwms"
fi

#-
# 4. 5,000 certificates with one subject name
#
if [ "$have_cwms" = 1 ]; then
    # The right chain, or a clear "gave up": any other answer ends the bench (reference).
    reference cwms_same_subject
    if [ "${REF_RC[cwms_same_subject]}" -eq 0 ]; then
        answer="right chain"
    else
        answer="\"$(grep -i -m1 'gave up after' "$work/ref/cwms_same_subject.err" | sed 's/^cwms-bundle: //')\""
    fi
    walls=(); cpus=()
    for ((i = 0; i < N; i++)); do
        r=$(run_once cwms_same_subject); walls+=("${r% *}"); cpus+=("${r#* }")
    done
    ms=$(printf '%s\n' "${walls[@]}" | median | awk '{ printf "%.1f", $1 }')
    cpu_ms=$(printf '%s\n' "${cpus[@]}" | median | awk '{ printf "%.1f", $1 }')
    v=$(verdict "$ms" 500)
    line 4 "5,000 certificates named like the issuer (every 10th with its SKI): ${ms} ms (CPU ${cpu_ms} ms), $answer (target: well under 1 s, <= 500 ms) $v"
else
    line 4 "SKIP: no $cwms"
fi

#-
# 4b. the explanation views (check, build --json) over 5,000 same-name self-signed certificates
#
copies=$build/tests/tools/cert-copies
# same_name_views COUNT: "CHECK_MS JSON_MS BUILD_MS" (median CPU of N runs) for COUNT re-serialled
# copies of the root in one file, with the real chain; check reads it as one bundle.
same_name_views() {
    local n=$1 f=$work/copies$1.pem b=$work/copies$1-bundle.pem i r
    local -a cs=() js=() bs=()
    "$copies" "$work/pki/root.crt" "$work/pki/root.key" "$n" > "$f" || die "cert-copies failed"
    cat "$work/pki/server.key" "$LEAF" "$work/pki/secondary.crt" "$work/pki/primary.crt" "$f" > "$b"
    views_check() { "$cwms" check --cwms 2.5 "$b"; }
    views_json() { "$cwms" build --cwms 2.5 --json -o "$work/out-views.pem" "$b"; }
    views_build() { "$cwms" build --cwms 2.5 -o "$work/out-views.pem" "$b"; }
    # The answers first (reference): check names the copies, build --json is one document
    # with the chain, build writes the bundle; every timed run is held to the same.
    check_views_check() { grep -q "UNRELATED_CERT\|ROOT_INCLUDED\|DUPLICATE" "$1.out"; }
    check_views_json() {
        [ "$2" -eq 0 ] && python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(len(d["certificates"]) < 3)' "$1.out"
    }
    check_views_build() { [ "$2" -eq 0 ] && [ -s "$work/out-views.pem" ]; }
    reference views_check
    reference views_json
    reference views_build
    # CPU time (user + sys): the slope is the point, and a busy machine bends wall time.
    for ((i = 0; i < N; i++)); do
        r=$(run_once views_check); cs+=("${r#* }")
        r=$(run_once views_json); js+=("${r#* }")
        r=$(run_once views_build); bs+=("${r#* }")
    done
    printf '%s %s %s\n' "$(printf '%s\n' "${cs[@]}" | median)" "$(printf '%s\n' "${js[@]}" | median)" \
        "$(printf '%s\n' "${bs[@]}" | median)"
}
if [ "$have_cwms" = 1 ] && [ -x "$copies" ]; then
    read -r c1 j1 b1 < <(same_name_views 2500)
    read -r c2 j2 b2 < <(same_name_views 5000)
    read -r cslope jslope v4b < <(awk -v c1="$c1" -v c2="$c2" -v j1="$j1" -v j2="$j2" 'BEGIN {
        cs = c2 / c1; js = j2 / j1
        # Linear (or n log n): twice the certificates, at most 2.5 times the time; and seconds, not minutes.
        printf "%.2f %.2f %s\n", cs, js, (cs <= 2.5 && js <= 2.5 && c2 <= 3000 && j2 <= 3000) ? "PASS" : "MISS" }')
    line 4b "5,000 same-name self-signed certificates, CPU: check ${c2} ms, build --json ${j2} ms (plain build ${b2} ms);" \
            "2,500 -> 5,000: x$cslope and x$jslope (target: linear, <= 2.5x, and <= 3 s) $v4b"
else
    line 4b "SKIP: no $cwms or $copies"
fi

#-
# 6. the everyday case: key + server certificate + the CA's 3-certificate bundle
#
everyday_cwms() {
    "$cwms" build --cwms 2.5 --trust "$work/pki/root.crt" -o "$OUT.pem" \
        "$work/pki/server.key" "$LEAF" "$work/pki/ca-bundle.pem"
}
everyday_cwms_stdout() {
    "$cwms" build --cwms 2.5 --trust "$work/pki/root.crt" \
        "$work/pki/server.key" "$LEAF" "$work/pki/ca-bundle.pem"
}
everyday_openssl() {
    openssl verify -purpose sslserver -CAfile "$work/pki/root.crt" \
        -untrusted "$work/pki/ca-bundle.pem" "$LEAF"
}
if [ "$have_cwms" = 1 ]; then
    REPS=20 paired everyday_cwms everyday_openssl
    line 6 "key + server + 3-certificate CA bundle: cwms-bundle build ${MED_A} ms vs openssl verify of the same chain ${MED_B} ms: ratio $RATIO, CPU $CPU_RATIO (target <= 1.0) $(verdict "$RATIO" 1.0)"
    REPS=20 paired everyday_cwms_stdout everyday_openssl
    line 6b "the same to standard output (no file to sync): ${MED_A} ms vs ${MED_B} ms: ratio $RATIO, CPU $CPU_RATIO (shown, no target)"
else
    line 6 "SKIP: no $cwms"
fi

#-
# 5. provider load overhead (the provider helper's script)
#
if [ -x "$here/provider-load.sh" ] || [ -f "$here/provider-load.sh" ]; then
    BENCH_N=$N CWMS_BUILD_ROOT=$build bash "$here/provider-load.sh" "$build" | sed 's/^/5    /'
else
    line 5 "SKIP: tests/bench/provider-load.sh not there yet"
fi
