# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# p11-kit's module registry for one test, and a private corner of the machine
# for the token daemons a test starts.
#
#   p11_sandbox SCRIPT ARGS...  call first, before common.sh: re-runs the test in its own
#                               mount, IPC and PID namespaces when the machine allows it
#                               (root, or an unprivileged user namespace). There, what the
#                               test binds over a system path (p11-kit's module directory,
#                               opencryptoki's) is seen by this test alone, and every
#                               daemon it starts dies with it. Sets CWMS_P11_SANDBOX=1
#                               inside, 0 when it stays outside.
#   p11reg_add NAME LIBRARY [INIT-RESERVED]
#                               registers LIBRARY with p11-kit as module NAME for this test
#                               (x-init-reserved: the module's C_Initialize argument, as NSS
#                               wants its configdir); the module is then found with
#                               module-name=$(p11reg_name NAME)
#   p11reg_name NAME            the name p11-kit knows the module by
#
# Where p11reg_add writes, in order of preference:
#   sandbox  a directory of $TMP bound over /usr/share/p11-kit/modules (and an empty one
#            over /etc/pkcs11/modules): the registry holds exactly the test's modules;
#   user     $XDG_CONFIG_HOME/pkcs11/modules under $TMP, merged by p11-kit with the system's
#            (p11-kit reads user configuration only when not running as root);
#   etc      as root outside a sandbox, p11-kit offers no other place: a file
#            /etc/pkcs11/modules/cwms-test-PID-NAME.module, removed when the test ends.
# Outside a sandbox the system's modules are registered too, and p11-kit loads a library
# once whatever the number of files naming it: a library the system registers already
# (without init arguments) is not registered again, and p11reg_name gives the system's name.

p11_sandbox() {
    local ns=(--mount --ipc --pid --fork --kill-child --mount-proc --propagation private)
    if [ -n "${CWMS_P11_SANDBOX:-}" ]; then
        return 0
    fi
    if unshare "${ns[@]}" true 2>/dev/null; then
        CWMS_P11_SANDBOX=1 exec unshare "${ns[@]}" bash "$@"
    fi
    if [ "$(id -u)" != 0 ] && unshare --map-root-user "${ns[@]}" true 2>/dev/null; then
        CWMS_P11_SANDBOX=1 exec unshare --map-root-user "${ns[@]}" bash "$@"
    fi
    export CWMS_P11_SANDBOX=0
}

p11reg_mode() {
    if [ "${CWMS_P11_SANDBOX:-0}" = 1 ]; then
        echo sandbox
    elif [ "$(id -u)" != 0 ]; then
        echo user
    else
        echo etc
    fi
}

P11REG_DIR=
p11reg__dir() {  # the directory module files go to (made, bound or exported on first use)
    if [ -n "$P11REG_DIR" ]; then
        return 0
    fi
    case $(p11reg_mode) in
        sandbox)
            P11REG_DIR=$TMP/p11-kit-modules
            mkdir -p "$P11REG_DIR" "$TMP/p11-kit-empty"
            mount --bind "$P11REG_DIR" /usr/share/p11-kit/modules
            if [ -d /etc/pkcs11/modules ]; then
                mount --bind "$TMP/p11-kit-empty" /etc/pkcs11/modules
            fi ;;
        user)
            export XDG_CONFIG_HOME=$TMP/xdg
            P11REG_DIR=$XDG_CONFIG_HOME/pkcs11/modules
            mkdir -p "$P11REG_DIR" ;;
        etc)
            P11REG_DIR=/etc/pkcs11/modules
            if [ ! -d /etc/pkcs11 ]; then
                at_exit rmdir /etc/pkcs11/modules /etc/pkcs11  # only when empty: others may use it
            fi
            mkdir -p "$P11REG_DIR" ;;
    esac
}

declare -A P11REG_NAMES=()
p11reg_name() {
    if [ -n "${P11REG_NAMES[$1]:-}" ]; then
        echo "${P11REG_NAMES[$1]}"
    elif [ "$(p11reg_mode)" = etc ]; then
        echo "cwms-test-$$-$1"
    else
        echo "$1"
    fi
}

p11reg__system_name() {  # LIBRARY: the name of a system module file loading it, if any
    local f lib
    for f in /usr/share/p11-kit/modules/*.module /etc/pkcs11/modules/*.module; do
        [ -f "$f" ] || continue
        lib=$(sed -n 's/^module: *//p' "$f")
        if [ "${lib##*/}" = "${1##*/}" ]; then
            f=${f##*/}
            echo "${f%.module}"
            return 0
        fi
    done
    return 1
}

p11reg_add() {
    local name file
    if [ "$(p11reg_mode)" != sandbox ] && [ -z "${3:-}" ] && name=$(p11reg__system_name "$2"); then
        P11REG_NAMES[$1]=$name
        return 0
    fi
    p11reg__dir
    name=$(p11reg_name "$1")
    file=$P11REG_DIR/$name.module
    {
        echo "# registered by cwms-bundle's test $0 (pid $$)"
        echo "module: $2"
        if [ -n "${3:-}" ]; then
            echo "x-init-reserved: $3"
        fi
    } > "$file"
    if [ "$(p11reg_mode)" = etc ]; then
        at_exit rm -f "$file"
    fi
}
