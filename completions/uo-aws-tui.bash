# uo-aws-tui completion for bash: names from ~/.aws/config and the cached
# catalog, no network call. Install: uo-aws-tui completions bash > ~/.local/share/bash-completion/completions/uo-aws-tui
_uo_aws_tui() {
    local IFS=$'\n'
    COMPREPLY=($(UO_AWS_TUI_COMPLETE=bash command uo-aws-tui -- "${COMP_WORDS[@]:0:COMP_CWORD+1}" 2>/dev/null))
}
complete -o default -o nosort -F _uo_aws_tui uo-aws-tui
