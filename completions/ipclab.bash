# bash completion for ipclab(1).  `make install` puts it where
# bash-completion loads it on demand; from the source tree:
#   source completions/ipclab.bash
# Options are read from the program's own --help, so they never drift.

_ipclab()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	local prog=${words[0]} cmd=${words[1]:-} sub="" i
	[ "$cmd" = bench ] && [ "$cword" -gt 2 ] && sub=${words[2]}

	case $prev in
	--mode | -m)
		[ "$cmd" = load ] || { COMPREPLY=($(compgen -W "iterative select poll epoll" -- "$cur")); return; } ;;
	--format | -f)
		COMPREPLY=($(compgen -W "text csv json markdown" -- "$cur")); return ;;
	--unit)
		COMPREPLY=($(compgen -W "s ms us ns" -- "$cur")); return ;;
	--results)
		COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--samples | --data)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--address | -a | --timeout | -t | --name | -n | --idle-timeout | --max-clients | --wait | \
	--clients | -c | --requests | --pipeline | -k | --workers | -w | --size | --count | \
	--warmup | --total | --pin | --kind | --transport)
		return ;; # a value of the user's own
	esac

	if [ "$cword" -eq 1 ]; then
		COMPREPLY=($(compgen -W "list serve greet demo bench load drawback --help --version" -- "$cur"))
		return
	fi
	if [ "$cmd" = bench ] && [ "$cword" -eq 2 ]; then
		COMPREPLY=($(compgen -W "run plot report latency throughput connect pingpong pauses summarize netlab transports env plan --help" -- "$cur"))
		return
	fi
	if [[ $cur == -* ]]; then
		local opts
		opts=$("$prog" $cmd $sub --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	case $cmd/$sub in
	bench/plot | bench/report | bench/netlab)
		COMPREPLY=($(compgen -d -- "$cur")) ;;
	bench/latency | bench/throughput | bench/connect)
		COMPREPLY=($(compgen -W "all $("$prog" list 2>/dev/null | awk '{ print $1 }')" -- "$cur")) ;;
	serve/ | greet/ | load/ | drawback/)
		# One transport, first operand only.
		for ((i = 2; i < cword; i++)); do [[ ${words[i]} == -* ]] || return; done
		COMPREPLY=($(compgen -W "$("$prog" list 2>/dev/null | awk '{ print $1 }')" -- "$cur")) ;;
	demo/)
		COMPREPLY=($(compgen -W "$("$prog" list 2>/dev/null | awk '{ print $1 }')" -- "$cur")) ;;
	esac
}
complete -F _ipclab ipclab
