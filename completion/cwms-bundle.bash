# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# bash completion for cwms-bundle: subcommands, each subcommand's options, the values of the
# options that have a fixed set (--cwms releases, --order, --format, ...), file names.
# Installed as DATADIR/bash-completion/completions/cwms-bundle (bash-completion loads it on
# the first TAB after cwms-bundle); or source it from ~/.bashrc.
#
# The commands and options come from the program's own --help (its option tables), so the
# completion cannot drift from the parser; only the value lists below are written here.

# The CWMS releases --cwms knows (cwms-bundle(1), ORDER); MR/SP suffixes are typed by hand.
_cwms_bundle_releases="1.0 1.1 1.5 2.0 2.5 2.6 2.7 2.8 3.0 4.0"

# _cwms_bundle_help PROGRAM [COMMAND]: the help text (the top level's without COMMAND).
_cwms_bundle_help() {
    if [ $# -gt 1 ]; then
        "$1" "$2" --help 2> /dev/null
    else
        "$1" --help 2> /dev/null
    fi
}

# The subcommands: the words of the "Commands:" list of the top-level help.
_cwms_bundle_commands() {
    _cwms_bundle_help "$1" | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p'
}

# A command's options ("-o" and "--output" both), and with "values" only those taking a value
# (in the help: "  -o, --output FILE   ...", "  --cwms VERSION   ...", "  --fix   write ...").
_cwms_bundle_options() {
    _cwms_bundle_help "$1" "$2" | awk -v which="${3:-all}" '
        /^  -/ {
            line = substr($0, 3); short = ""
            if (line ~ /^-[a-zA-Z], /) { short = substr(line, 1, 2); line = substr(line, 5) }
            split(line, f, " ")
            if (which == "values" && f[2] !~ /^[A-Z]/) next
            if (short != "") print short
            print f[1]
        }'
}

_cwms_bundle_files() {
    local IFS=$'\n'
    compopt -o filenames 2> /dev/null || true
    COMPREPLY=($(compgen -f -- "$1"))
}

_cwms_bundle() {
    local line="" cur="" prev="" program="" command="" w="" colon_prefix="" words=()
    # The words as typed: readline also splits at ':' (COMP_WORDBREAKS), "file:x" is one here.
    if [ -n "${COMP_LINE:-}" ]; then
        line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
    else
        line="${COMP_WORDS[*]:0:COMP_CWORD+1}"
    fi
    read -ra words <<< "$line"
    [[ -z $line || $line == *[[:space:]] ]] && words+=("")
    cur=${words[${#words[@]} - 1]}
    prev=${words[${#words[@]} - 2]:-}
    program=${words[0]}
    if [ "${#words[@]}" -gt 2 ]; then command=${words[1]}; fi
    COMPREPLY=()
    _cwms_bundle_complete
    # What readline replaces is the part after the last ':' when it splits there.
    if [[ $cur == *:* && ${COMP_WORDBREAKS:-:} == *:* ]]; then
        colon_prefix=${cur%"${cur##*:}"}
        COMPREPLY=("${COMPREPLY[@]#"$colon_prefix"}")
    fi
    return 0
}

# Fills COMPREPLY for cur, prev, program and command (set by _cwms_bundle).
_cwms_bundle_complete() {
    if [ -z "$command" ]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(_cwms_bundle_commands "$program")" -- "$cur"))
        fi
        return 0
    fi
    if [ "$command" = help ]; then
        if [ "${#words[@]}" -eq 3 ]; then
            COMPREPLY=($(compgen -W "$(_cwms_bundle_commands "$program")" -- "$cur"))
        fi
        return 0
    fi

    # The value of the option before the cursor.
    case $prev in
        --cwms) COMPREPLY=($(compgen -W "$_cwms_bundle_releases" -- "$cur")); return 0 ;;
        --order) COMPREPLY=($(compgen -W "leaf-first root-first" -- "$cur")); return 0 ;;
        --format) COMPREPLY=($(compgen -W "pem pkcs12" -- "$cur")); return 0 ;;
        --key-format) COMPREPLY=($(compgen -W "pkcs8 traditional" -- "$cur")); return 0 ;;
        --path) COMPREPLY=($(compgen -W "complete shortest" -- "$cur")); return 0 ;;
        --graph) COMPREPLY=($(compgen -W "dot" -- "$cur")); return 0 ;;
        --key-type)
            COMPREPLY=($(compgen -W "rsa:2048 rsa:3072 rsa:4096 ec:P-256 ec:P-384" -- "$cur"))
            return 0 ;;
        --passin | --passout | --pin)
            if [[ $cur == file:* ]]; then
                _cwms_bundle_files "${cur#file:}"
                COMPREPLY=("${COMPREPLY[@]/#/file:}")
            else
                compopt -o nospace 2> /dev/null || true
                COMPREPLY=($(compgen -W "pass: env: file: fd: stdin" -- "$cur"))
            fi
            return 0 ;;
        -o | --output | --key | --new-key | --trust | --against) _cwms_bundle_files "$cur"; return 0 ;;
    esac
    # Any other option that takes a value (--host NAME, --attime TIME, ...): nothing to offer.
    if [[ $prev == -* ]]; then
        for w in $(_cwms_bundle_options "$program" "$command" values); do
            if [ "$w" = "$prev" ]; then return 0; fi
        done
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_cwms_bundle_options "$program" "$command")" -- "$cur"))
        return 0
    fi
    _cwms_bundle_files "$cur"
}
complete -F _cwms_bundle cwms-bundle
