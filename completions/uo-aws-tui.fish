# uo-aws-tui completion for fish: names from ~/.aws/config and the cached
# catalog, no network call. Install: uo-aws-tui completions fish > ~/.config/fish/completions/uo-aws-tui.fish
function __uo_aws_tui_complete
    set -l words (commandline -opc) (commandline -ct)
    UO_AWS_TUI_COMPLETE=fish command uo-aws-tui -- $words 2>/dev/null
end
complete -c uo-aws-tui -f -a '(__uo_aws_tui_complete)'
