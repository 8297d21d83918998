# uo-aws-tui shell integration for bash. Load it with:
#   eval "$(uo-aws-tui init bash)"
#
# __UOA_CMD__ [QUERY…] runs `uo-aws-tui pick --select-1 --emit vars`, which
# prints exactly two lines on success: the profile name, then the region.
# Nothing it prints is evaluated: this function reads the two lines and
# assigns them to the fixed names below itself, so the output can never set
# any other variable or run a command.
#
# __UOA_CMD__ --clear unsets what an activation set (AWS_PROFILE, AWS_REGION,
# AWS_DEFAULT_REGION) without running uo-aws-tui.
__UOA_CMD__() {
    local out code profile region cleared
    if [ "$#" -eq 1 ] && [ "$1" = "--clear" ]; then
        unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION
        printf '%s\n' "__UOA_CMD__: unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION" >&2
        return 0
    fi
    out="$(command uo-aws-tui pick --select-1 --emit vars "$@")"
    code=$?
    if [ "$code" -ne 0 ]; then
        return "$code"
    fi
    # Exit 0 and no output: nothing to activate (Ctrl-o opened the console).
    if [ -z "$out" ]; then
        return 0
    fi
    case "$out" in
        *$'\n'*) ;;
        *)
            printf '%s\n' "__UOA_CMD__: unexpected output from uo-aws-tui; environment unchanged" >&2
            return 2
            ;;
    esac
    profile="${out%%$'\n'*}"
    region="${out#*$'\n'}"
    case "$region" in
        *$'\n'*)
            printf '%s\n' "__UOA_CMD__: unexpected output from uo-aws-tui; environment unchanged" >&2
            return 2
            ;;
    esac
    if [ -z "$profile" ] || [ -z "$region" ]; then
        printf '%s\n' "__UOA_CMD__: unexpected output from uo-aws-tui; environment unchanged" >&2
        return 2
    fi
    cleared=""
    if [ -n "${AWS_ACCESS_KEY_ID+set}" ]; then
        cleared="$cleared AWS_ACCESS_KEY_ID"
        unset AWS_ACCESS_KEY_ID
    fi
    if [ -n "${AWS_SECRET_ACCESS_KEY+set}" ]; then
        cleared="$cleared AWS_SECRET_ACCESS_KEY"
        unset AWS_SECRET_ACCESS_KEY
    fi
    if [ -n "${AWS_SESSION_TOKEN+set}" ]; then
        cleared="$cleared AWS_SESSION_TOKEN"
        unset AWS_SESSION_TOKEN
    fi
    if [ -n "${AWS_WEB_IDENTITY_TOKEN_FILE+set}" ]; then
        cleared="$cleared AWS_WEB_IDENTITY_TOKEN_FILE"
        unset AWS_WEB_IDENTITY_TOKEN_FILE
    fi
    if [ -n "${AWS_DEFAULT_PROFILE+set}" ] && [ "$AWS_DEFAULT_PROFILE" != "$profile" ]; then
        cleared="$cleared AWS_DEFAULT_PROFILE"
        unset AWS_DEFAULT_PROFILE
    fi
    export AWS_PROFILE="$profile"
    export AWS_REGION="$region"
    export AWS_DEFAULT_REGION="$region"
    if [ -n "$cleared" ]; then
        printf '%s\n' "__UOA_CMD__: unset$cleared (they would take precedence over AWS_PROFILE)" >&2
    fi
    return 0
}
