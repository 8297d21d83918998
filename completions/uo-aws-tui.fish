# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_uo_aws_tui_global_optspecs
    string join \n verbose sso-session= emit= output= region= no-write strict select-1 concurrency= refresh offline h/help V/version
end

function __fish_uo_aws_tui_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_uo_aws_tui_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_uo_aws_tui_using_subcommand
    set -l cmd (__fish_uo_aws_tui_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -l sso-session -d 'The sso-session to list (default: the session of AWS_PROFILE, else the only one)' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -l emit -d 'What to print on stdout after a choice' -r -f -a "posix\t'`export AWS_PROFILE=\'…\'` lines for POSIX shells (bash, zsh, sh)'
fish\t'`set -gx AWS_PROFILE \'…\';` lines for fish'
profile\t'The profile name alone'
json\t'One JSON object: `profile`, `account_id`, `account_name`, `role_name`, `region`, `sso_session`'
terraform\t'A terraform `provider "aws"` block with `region` and `profile`'
vars\t'Two lines, the profile name then the region, for the `init` shell functions (which assign them to fixed variable names themselves)'"
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -l output -d 'Write what --emit prints into FILE instead of stdout: replaced atomically, and only when the command succeeds' -r -F
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -l region -d 'Region to write into the profile and export (default: the session\'s sso_region)' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -l concurrency -d 'How many accounts\' roles are fetched at once [default: settings.ini, else 8]' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -l verbose -d 'Write the details of failures to stderr (as UO_AWS_TUI_LOG=debug does); never tokens'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -l no-write -d 'Do not touch the config file; only print the result'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -l strict -d 'Exit 2 (nothing on stdout) when `doctor` has an error finding about the chosen profile, instead of only saying it on stderr'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -l select-1 -d 'Choose without drawing when exactly one row matches the query once every account is listed; otherwise open the picker as usual'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -l refresh -d 'List the portal now even when the cached catalog is fresh'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -l offline -d 'Never contact the portal: pick from the cached catalog'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -s V -l version -d 'Print version'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -a "pick" -d 'Open the picker (the default command)'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -a "demo" -d 'Run against the built-in IAM Identity Center simulator (no AWS needed)'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -a "login" -d 'Sign in to an sso-session (PKCE in the browser, or a device code)'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -a "logout" -d 'End a login: portal Logout, delete its token and cached role credentials'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -a "init" -d 'Print a shell function that picks and activates a profile in the current shell'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -a "use" -d 'Choose without the picker: write and print the profile a query names'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -a "exec" -d 'Run a command with a profile activated (written first when missing)'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -a "list" -d 'List the session\'s accounts and roles for scripts'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -a "status" -d 'Show every login (sso-sessions and legacy start URLs) and how long it lasts'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -a "doctor" -d 'Find what in the AWS files and the environment makes tools disagree or fail'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -a "populate" -d 'Write a profile for every account and role (or every matching one)'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -a "chain" -d 'Write a profile that assumes a role with another profile\'s credentials'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -a "deactivate" -d 'Print what undoes an activation: AWS_PROFILE, AWS_REGION, AWS_DEFAULT_REGION unset'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -a "completions" -d 'Print shell completions for uo-aws-tui'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand pick" -l sso-session -d 'The sso-session to list (default: the session of AWS_PROFILE, else the only one)' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand pick" -l emit -d 'What to print on stdout after a choice' -r -f -a "posix\t'`export AWS_PROFILE=\'…\'` lines for POSIX shells (bash, zsh, sh)'
fish\t'`set -gx AWS_PROFILE \'…\';` lines for fish'
profile\t'The profile name alone'
json\t'One JSON object: `profile`, `account_id`, `account_name`, `role_name`, `region`, `sso_session`'
terraform\t'A terraform `provider "aws"` block with `region` and `profile`'
vars\t'Two lines, the profile name then the region, for the `init` shell functions (which assign them to fixed variable names themselves)'"
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand pick" -l output -d 'Write what --emit prints into FILE instead of stdout: replaced atomically, and only when the command succeeds' -r -F
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand pick" -l region -d 'Region to write into the profile and export (default: the session\'s sso_region)' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand pick" -l concurrency -d 'How many accounts\' roles are fetched at once [default: settings.ini, else 8]' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand pick" -l no-write -d 'Do not touch the config file; only print the result'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand pick" -l strict -d 'Exit 2 (nothing on stdout) when `doctor` has an error finding about the chosen profile, instead of only saying it on stderr'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand pick" -l select-1 -d 'Choose without drawing when exactly one row matches the query once every account is listed; otherwise open the picker as usual'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand pick" -l refresh -d 'List the portal now even when the cached catalog is fresh'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand pick" -l offline -d 'Never contact the portal: pick from the cached catalog'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand pick" -l verbose -d 'Write the details of failures to stderr (as UO_AWS_TUI_LOG=debug does); never tokens'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand pick" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand demo" -l port -d 'Port on 127.0.0.1 (default: any free port)' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand demo" -l accounts -d 'Number of accounts to simulate (default: the built-in organisation\'s size; more are generated deterministically)' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand demo" -l page-size -d 'Largest page the simulated portal returns' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand demo" -l latency-ms -d 'Delay before every simulated response, in milliseconds' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand demo" -l rps -d 'Answer 429 TooManyRequestsException to requests beyond N in any one second' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand demo" -l fail-account -d 'Make ListAccountRoles of this account answer 500 (repeatable)' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand demo" -l home -d 'With --serve: also write DIR/.aws/config (an [sso-session uoregon]) and its token file' -r -F
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand demo" -l emit -d 'What to print on stdout after a choice' -r -f -a "posix\t'`export AWS_PROFILE=\'…\'` lines for POSIX shells (bash, zsh, sh)'
fish\t'`set -gx AWS_PROFILE \'…\';` lines for fish'
profile\t'The profile name alone'
json\t'One JSON object: `profile`, `account_id`, `account_name`, `role_name`, `region`, `sso_session`'
terraform\t'A terraform `provider "aws"` block with `region` and `profile`'
vars\t'Two lines, the profile name then the region, for the `init` shell functions (which assign them to fixed variable names themselves)'"
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand demo" -l output -d 'Write what --emit prints into FILE instead of stdout: replaced atomically, and only when the command succeeds' -r -F
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand demo" -l serve -d 'Only run the simulator and print how to reach it; runs until Ctrl-C'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand demo" -l verbose -d 'Write the details of failures to stderr (as UO_AWS_TUI_LOG=debug does); never tokens'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand login" -l sso-session -d 'The sso-session to sign in to (created with --start-url when missing)' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand login" -l redirect-port -d 'Port on 127.0.0.1 for the browser\'s answer in the PKCE flow (default: any free port)' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand login" -l start-url -d 'With a new --sso-session: its start URL' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand login" -l sso-region -d 'With a new --sso-session: its region' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand login" -l use-device-code -d 'Use the device code flow (a URL and a code to confirm on any device)'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand login" -l no-browser -d 'Do not open a browser; print the URL (the flow stays the same)'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand login" -l verbose -d 'Write the details of failures to stderr (as UO_AWS_TUI_LOG=debug does); never tokens'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand login" -s h -l help -d 'Print help'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand logout" -l sso-session -d 'The sso-session to log out of' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand logout" -l all -d 'Every cached login and every cached SSO role credential'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand logout" -l verbose -d 'Write the details of failures to stderr (as UO_AWS_TUI_LOG=debug does); never tokens'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand logout" -s h -l help -d 'Print help'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand init" -l cmd -d 'The function\'s name' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand init" -l verbose -d 'Write the details of failures to stderr (as UO_AWS_TUI_LOG=debug does); never tokens'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand init" -s h -l help -d 'Print help'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand use" -l sso-session -d 'The sso-session to list (default: the session of AWS_PROFILE, else the only one)' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand use" -l emit -d 'What to print on stdout after a choice' -r -f -a "posix\t'`export AWS_PROFILE=\'…\'` lines for POSIX shells (bash, zsh, sh)'
fish\t'`set -gx AWS_PROFILE \'…\';` lines for fish'
profile\t'The profile name alone'
json\t'One JSON object: `profile`, `account_id`, `account_name`, `role_name`, `region`, `sso_session`'
terraform\t'A terraform `provider "aws"` block with `region` and `profile`'
vars\t'Two lines, the profile name then the region, for the `init` shell functions (which assign them to fixed variable names themselves)'"
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand use" -l output -d 'Write what --emit prints into FILE instead of stdout: replaced atomically, and only when the command succeeds' -r -F
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand use" -l region -d 'Region to write into the profile and export (default: the session\'s sso_region)' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand use" -l no-write -d 'Do not touch the config file; only print the result'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand use" -l strict -d 'Exit 2 (nothing on stdout) when `doctor` has an error finding about the chosen profile, instead of only saying it on stderr'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand use" -l verbose -d 'Write the details of failures to stderr (as UO_AWS_TUI_LOG=debug does); never tokens'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand use" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand exec" -l sso-session -d 'The sso-session to list (default: the session of AWS_PROFILE, else the only one)' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand exec" -l strict -d 'Run nothing and exit 2 when `doctor` has an error finding about the profile, instead of only saying it on stderr'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand exec" -l verbose -d 'Write the details of failures to stderr (as UO_AWS_TUI_LOG=debug does); never tokens'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand exec" -s h -l help -d 'Print help'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand list" -l sso-session -d 'The sso-session to list (default: the session of AWS_PROFILE, else the only one)' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand list" -l json -d 'A JSON array of objects'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand list" -l tsv -d 'Tab-separated values with a header line'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand list" -l verbose -d 'Write the details of failures to stderr (as UO_AWS_TUI_LOG=debug does); never tokens'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand list" -s h -l help -d 'Print help'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand status" -l json -d 'Print a JSON array instead of the table'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand status" -l verbose -d 'Write the details of failures to stderr (as UO_AWS_TUI_LOG=debug does); never tokens'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand status" -s h -l help -d 'Print help'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand doctor" -l json -d 'Print the findings as a JSON array'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand doctor" -l fix -d 'Apply the safe fixes (byte order mark, exact duplicate key lines, inline comments on sso_* keys, accidentally indented keys), each file backed up first, with the diff printed; then report'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand doctor" -l dry-run -d 'With --fix: print the diffs, write nothing'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand doctor" -l yes -d 'With --fix: also comment out static-key sections of the credentials file that shadow an SSO profile, without asking'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand doctor" -l verbose -d 'Write the details of failures to stderr (as UO_AWS_TUI_LOG=debug does); never tokens'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand populate" -l sso-session -d 'The sso-session to list (default: the session of AWS_PROFILE, else the only one)' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand populate" -l dry-run -d 'Print a unified diff of the change; write nothing'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand populate" -l prune -d 'Also remove profiles uo-aws-tui wrote for this session whose account or role is no longer listed'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand populate" -l verbose -d 'Write the details of failures to stderr (as UO_AWS_TUI_LOG=debug does); never tokens'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand populate" -s h -l help -d 'Print help'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand chain" -l role-arn -d 'The role to assume: arn:aws:iam::ACCOUNTID:role/NAME' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand chain" -l name -d 'The profile name (default: ACCOUNTID_ROLENAME of the ARN)' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand chain" -l external-id -d '`external_id` for the role\'s trust policy' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand chain" -l role-session-name -d '`role_session_name` (default: the SDK\'s)' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand chain" -l region -d '`region` of the profile' -r
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand chain" -l verbose -d 'Write the details of failures to stderr (as UO_AWS_TUI_LOG=debug does); never tokens'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand chain" -s h -l help -d 'Print help'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand deactivate" -l emit -d 'The shell syntax to print' -r -f -a "posix\t'`unset …` for POSIX shells'
fish\t'`set -e …;` for fish'"
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand deactivate" -l output -d 'Write it into FILE instead of stdout (replaced atomically)' -r -F
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand deactivate" -l verbose -d 'Write the details of failures to stderr (as UO_AWS_TUI_LOG=debug does); never tokens'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand deactivate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand completions" -l verbose -d 'Write the details of failures to stderr (as UO_AWS_TUI_LOG=debug does); never tokens'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand completions" -s h -l help -d 'Print help'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand help; and not __fish_seen_subcommand_from pick demo login logout init use exec list status doctor populate chain deactivate completions help" -f -a "pick" -d 'Open the picker (the default command)'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand help; and not __fish_seen_subcommand_from pick demo login logout init use exec list status doctor populate chain deactivate completions help" -f -a "demo" -d 'Run against the built-in IAM Identity Center simulator (no AWS needed)'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand help; and not __fish_seen_subcommand_from pick demo login logout init use exec list status doctor populate chain deactivate completions help" -f -a "login" -d 'Sign in to an sso-session (PKCE in the browser, or a device code)'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand help; and not __fish_seen_subcommand_from pick demo login logout init use exec list status doctor populate chain deactivate completions help" -f -a "logout" -d 'End a login: portal Logout, delete its token and cached role credentials'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand help; and not __fish_seen_subcommand_from pick demo login logout init use exec list status doctor populate chain deactivate completions help" -f -a "init" -d 'Print a shell function that picks and activates a profile in the current shell'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand help; and not __fish_seen_subcommand_from pick demo login logout init use exec list status doctor populate chain deactivate completions help" -f -a "use" -d 'Choose without the picker: write and print the profile a query names'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand help; and not __fish_seen_subcommand_from pick demo login logout init use exec list status doctor populate chain deactivate completions help" -f -a "exec" -d 'Run a command with a profile activated (written first when missing)'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand help; and not __fish_seen_subcommand_from pick demo login logout init use exec list status doctor populate chain deactivate completions help" -f -a "list" -d 'List the session\'s accounts and roles for scripts'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand help; and not __fish_seen_subcommand_from pick demo login logout init use exec list status doctor populate chain deactivate completions help" -f -a "status" -d 'Show every login (sso-sessions and legacy start URLs) and how long it lasts'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand help; and not __fish_seen_subcommand_from pick demo login logout init use exec list status doctor populate chain deactivate completions help" -f -a "doctor" -d 'Find what in the AWS files and the environment makes tools disagree or fail'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand help; and not __fish_seen_subcommand_from pick demo login logout init use exec list status doctor populate chain deactivate completions help" -f -a "populate" -d 'Write a profile for every account and role (or every matching one)'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand help; and not __fish_seen_subcommand_from pick demo login logout init use exec list status doctor populate chain deactivate completions help" -f -a "chain" -d 'Write a profile that assumes a role with another profile\'s credentials'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand help; and not __fish_seen_subcommand_from pick demo login logout init use exec list status doctor populate chain deactivate completions help" -f -a "deactivate" -d 'Print what undoes an activation: AWS_PROFILE, AWS_REGION, AWS_DEFAULT_REGION unset'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand help; and not __fish_seen_subcommand_from pick demo login logout init use exec list status doctor populate chain deactivate completions help" -f -a "completions" -d 'Print shell completions for uo-aws-tui'
complete -c uo-aws-tui -n "__fish_uo_aws_tui_using_subcommand help; and not __fish_seen_subcommand_from pick demo login logout init use exec list status doctor populate chain deactivate completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
