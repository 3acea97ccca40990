# bash completion for ipclab(1).  `make install` puts it where
# bash-completion loads it on demand; from the source tree:
#   source completions/ipclab.bash
# Options are read from the program's own --help, and the transports and
# server modes each command takes from `ipclab list --for CMD` and
# `ipclab list --modes`, so that they never drift from the program.

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
	local prog=${words[0]} cmd=${words[1]:-} sub="" i start=2 first=""
	[ "$cmd" = bench ] && [ "$cword" -gt 2 ] && sub=${words[2]} start=3
	# The first operand after the command (or subcommand): its transport.
	for ((i = start; i < cword; i++)); do
		case ${words[i - 1]} in
		--address | -a | --timeout | -t | --name | -n | --idle-timeout | --max-clients | \
		--wait | --mode | -m | --clients | -c | --requests | --pipeline | -k | --workers | \
		-w | --size | -s | --count | --warmup | --total | --pin | -p | --kind | --transport | \
		--format | -f | --unit | --results | --samples | --waits | --data | --duration) continue ;;
		esac
		[[ ${words[i]} == -* ]] || { first=${words[i]}; break; }
	done

	case $prev in
	--mode | -m)
		# serve and drawback: the modes of the transport named, if any;
		# load: the label it copies, any mode.
		if [ "$cmd" = serve ] && [ -n "$first" ]; then
			COMPREPLY=($(compgen -W "$("$prog" list --modes "$first" 2>/dev/null)" -- "$cur"))
		elif [ "$cmd" = serve ] || [ "$cmd" = drawback ] || [ "$cmd" = load ]; then
			COMPREPLY=($(compgen -W "$("$prog" list --modes 2>/dev/null)" -- "$cur"))
		fi
		return ;;
	--wait)
		# block|spin wherever --wait is taken (drawback's old --wait MS
		# is a number of the user's own).
		[ "$cmd" = drawback ] || COMPREPLY=($(compgen -W "block spin" -- "$cur"))
		return ;;
	--format | -f)
		COMPREPLY=($(compgen -W "text csv json markdown" -- "$cur")); return ;;
	--unit)
		COMPREPLY=($(compgen -W "s ms us ns" -- "$cur")); return ;;
	--copy)
		COMPREPLY=($(compgen -W "$("$prog" bench throughput --help 2>/dev/null |
			sed -n 's/^                   \([a-z-]*\)  *[0-9] cop.*/\1/p')" -- "$cur")); return ;;
	--for)
		COMPREPLY=($(compgen -W "serve load drawback connect spin greet demo latency throughput" -- "$cur")); return ;;
	--modes)
		COMPREPLY=($(compgen -W "$("$prog" list --for serve 2>/dev/null)" -- "$cur")); return ;;
	--results)
		COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--samples | --waits | --data)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--address | -a | --timeout | -t | --name | -n | --idle-timeout | --max-clients | \
	--clients | -c | --requests | --pipeline | -k | --workers | -w | --size | -s | --count | \
	--warmup | --total | --pin | -p | --kind | --transport | --duration)
		return ;; # a value of the user's own
	esac

	if [ "$cword" -eq 1 ]; then
		COMPREPLY=($(compgen -W "list serve greet demo bench load drawback --help --version" -- "$cur"))
		return
	fi
	if [ "$cmd" = bench ] && [ "$cword" -eq 2 ]; then
		COMPREPLY=($(compgen -W "run plot report plan compare busy latency throughput connect pingpong pauses memcpy summarize netlab transports env --help" -- "$cur"))
		return
	fi
	if [[ $cur == -* ]]; then
		local opts
		opts=$("$prog" $cmd $sub --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	case $cmd/$sub in
	bench/plot | bench/report | bench/compare | bench/netlab)
		COMPREPLY=($(compgen -d -- "$cur")) ;;
	bench/latency | bench/throughput | bench/connect)
		COMPREPLY=($(compgen -W "all $("$prog" list --for "$sub" 2>/dev/null)" -- "$cur")) ;;
	serve/ | greet/ | load/ | drawback/)
		# One transport, first operand only.
		[ -z "$first" ] || return
		COMPREPLY=($(compgen -W "$("$prog" list --for "$cmd" 2>/dev/null)" -- "$cur")) ;;
	demo/)
		COMPREPLY=($(compgen -W "$("$prog" list --for demo 2>/dev/null)" -- "$cur")) ;;
	esac
}
complete -F _ipclab ipclab
