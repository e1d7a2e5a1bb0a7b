#!/bin/sh
# check_tail_calls.sh OBJECT FUNCTION...
#
# Fails unless each FUNCTION in OBJECT hands its call on with a jump through
# a register and makes no call through one: shim/dl_hooks.c's dlopen and
# dlsym must reach glibc's function by a tail call, so that glibc sees the
# program, not the shim, as its caller.  Run by the Makefile on every build
# of the library before it links, with the build's own OBJDUMP.
set -eu
object=$1
shift
objdump=${OBJDUMP:-objdump}

# The indirect jump and the indirect call, as objdump spells them.
architecture=$("$objdump" -f "$object" | sed -n 's/^architecture: \([^,]*\),.*/\1/p')
case $architecture in
i386:x86-64 | i386*) jump='jmp[lq]?[[:space:]]+\*%' call='call[lq]?[[:space:]]+\*%' ;;
aarch64) jump='[[:space:]]br(aa|ab|aaz|abz)?[[:space:]]+x' call='[[:space:]]blr(aa|ab|aaz|abz)?[[:space:]]+x' ;;
riscv:rv64 | riscv*) jump='[[:space:]]jr[[:space:]]' call='[[:space:]]jalr[[:space:]]' ;;
*)
	echo "check_tail_calls.sh: no rule for $architecture; $object not checked" >&2
	exit 0
	;;
esac

status=0
for function in "$@"; do
	code=$("$objdump" -d --no-show-raw-insn --disassemble="$function" "$object" |
		sed -n "/^[0-9a-f]* <$function>:\$/,\$p")
	if [ -z "$code" ]; then
		echo "check_tail_calls.sh: $object has no function $function" >&2
		status=1
	elif ! printf '%s\n' "$code" | grep -Eq "$jump" ||
		printf '%s\n' "$code" | grep -Eq "$call"; then
		echo "check_tail_calls.sh: $function in $object calls through a register instead of" \
			"jumping: glibc would see the shim as its caller (see shim/dl_hooks.c):" >&2
		printf '%s\n' "$code" | grep -E "$jump|$call" >&2 || true
		status=1
	fi
done
exit $status
