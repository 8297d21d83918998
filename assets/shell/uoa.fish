# uo-aws-tui shell integration for fish. Load it with:
#   uo-aws-tui init fish | source
#
# __UOA_CMD__ [QUERY…] runs `uo-aws-tui pick --select-1 --emit vars`, which
# prints exactly two lines on success: the profile name, then the region.
# Nothing it prints is evaluated: this function reads the two lines and
# assigns them to the fixed names below itself, so the output can never set
# any other variable or run a command.
#
# __UOA_CMD__ --clear unsets what an activation set (AWS_PROFILE, AWS_REGION,
# AWS_DEFAULT_REGION) without running uo-aws-tui.
function __UOA_CMD__ --description 'Pick an AWS account and role with uo-aws-tui and activate it'
    if test (count $argv) -eq 1; and test "$argv[1]" = --clear
        for name in AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION
            set -q $name; and set -e $name
        end
        printf '%s\n' "__UOA_CMD__: unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION" >&2
        return 0
    end
    set -l lines (command uo-aws-tui pick --select-1 --emit vars $argv)
    set -l code $status
    if test $code -ne 0
        return $code
    end
    # Exit 0 and no output: nothing to activate (Ctrl-o opened the console).
    if test (count $lines) -eq 0
        return 0
    end
    if test (count $lines) -ne 2; or test -z "$lines[1]"; or test -z "$lines[2]"
        printf '%s\n' "__UOA_CMD__: unexpected output from uo-aws-tui; environment unchanged" >&2
        return 2
    end
    set -l profile $lines[1]
    set -l region $lines[2]
    set -l cleared
    for name in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_WEB_IDENTITY_TOKEN_FILE
        if set -q $name
            set -a cleared $name
            set -e $name
        end
    end
    if set -q AWS_DEFAULT_PROFILE; and test "$AWS_DEFAULT_PROFILE" != "$profile"
        set -a cleared AWS_DEFAULT_PROFILE
        set -e AWS_DEFAULT_PROFILE
    end
    set -gx AWS_PROFILE $profile
    set -gx AWS_REGION $region
    set -gx AWS_DEFAULT_REGION $region
    if test (count $cleared) -gt 0
        printf '%s\n' "__UOA_CMD__: unset $cleared (they would take precedence over AWS_PROFILE)" >&2
    end
    return 0
end
