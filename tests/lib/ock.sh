# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# opencryptoki's software token for one test, with its slot daemon pkcsslotd.
#
# opencryptoki 3.8 (Debian 12) has its places compiled in: /etc/opencryptoki for the
# slot list, /var/lib/opencryptoki for token data, /run for the daemon's socket and
# pid file, /run/lock/opencryptoki for its locks, System V shared memory, and POSIX
# shared memory in /dev/shm for the token's objects. So it runs only in the test's
# sandbox (p11reg.sh: private mount, IPC and PID namespaces), with directories of
# the test bound over those paths and a tmpfs of its own on /dev/shm (two tests at
# once would otherwise share their tokens' objects); the daemon dies with the sandbox.
#
#   ock_usable               0 when it can run here; else prints why
#   ock_start DIR            the bound directories under DIR, pkcsslotd started, the module
#                            registered as 'opencryptoki'
#   ock_token LABEL PIN      initialises the software token (SO PIN $OCK_SO_PIN)
# OCK_MODULE is the module; OCK_SLOT the software token's slot.

OCK_MODULE=/usr/lib/x86_64-linux-gnu/opencryptoki/libopencryptoki.so.0
OCK_SLOTD=/usr/sbin/pkcsslotd
OCK_SLOT=3
OCK_SO_PIN=87654321

ock_usable() {
    if [ ! -f "$OCK_MODULE" ] || [ ! -x "$OCK_SLOTD" ]; then
        echo "opencryptoki is not installed ($OCK_MODULE, $OCK_SLOTD; ci/install-deps.sh installs it)"
        return 1
    fi
    if [ "${CWMS_P11_SANDBOX:-0}" != 1 ]; then
        echo "pkcsslotd uses the machine's /etc/opencryptoki, /var/lib/opencryptoki and /run; without a private mount namespace (unshare) the test would have to touch them"
        return 1
    fi
    if ! getent group pkcs11 > /dev/null; then
        echo "there is no 'pkcs11' group (the opencryptoki package makes it)"
        return 1
    fi
    # In an unprivileged user namespace (a test run by a user, not root) the group is not mapped.
    if ! { touch "$TMP/.ock-group" && chgrp pkcs11 "$TMP/.ock-group"; } 2> /dev/null; then
        echo "the daemon's files must belong to group 'pkcs11', which this user cannot give them (run as root)"
        return 1
    fi
}

ock_start() {
    local dir=$1 i
    mkdir -p "$dir/etc" "$dir/lib/swtok/TOK_OBJ" "$dir/run/lock/opencryptoki/swtok"
    # The software token's slot alone: the others (TPM 1.2, ICA, CCA, EP11) are not here.
    printf 'version opencryptoki-3.1\nslot %s\n{\nstdll = libpkcs11_sw.so\n}\n' "$OCK_SLOT" \
        > "$dir/etc/opencryptoki.conf"
    chgrp -R pkcs11 "$dir/lib" "$dir/run/lock/opencryptoki"
    chmod -R 0770 "$dir/lib" "$dir/run/lock/opencryptoki"
    mount --bind "$dir/etc" /etc/opencryptoki
    mount --bind "$dir/lib" /var/lib/opencryptoki
    mount --bind "$dir/run" /run
    mount -t tmpfs -o size=16m,mode=1777 cwms-test-shm /dev/shm
    "$OCK_SLOTD" || fail "pkcsslotd did not start"
    at_exit ock__stop
    for ((i = 0; i < 100; i++)); do
        [ ! -S /run/pkcsslotd.socket ] || break
        sleep 0.05
    done
    [ -S /run/pkcsslotd.socket ] || fail "pkcsslotd did not open its socket within 5 s"
    p11reg_add opencryptoki "$OCK_MODULE"
}

ock__stop() {
    local pid
    pid=$(cat /run/pkcsslotd.pid 2> /dev/null) || return 0
    kill "$pid" 2> /dev/null || true
}

ock_token() {
    pkcs11-tool --module "$OCK_MODULE" --slot "$OCK_SLOT" --init-token --label "$1" \
        --so-pin "$OCK_SO_PIN" > /dev/null 2>&1 || fail "opencryptoki: cannot initialise token $1"
    pkcs11-tool --module "$OCK_MODULE" --token-label "$1" --login --login-type so \
        --so-pin "$OCK_SO_PIN" --init-pin --pin "$2" > /dev/null 2>&1 \
        || fail "opencryptoki: cannot set the user PIN of $1"
}
