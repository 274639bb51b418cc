#!/bin/bash
# The password file must be the user's own, private, regular file: one
# that others can read (or just the group), a symbolic link (whoever owns
# it), a file owned by another user, or a directory makes the server
# refuse to start, with a message naming the file and the reason, before
# it listens (and without hanging on a FIFO).  A good file next to them works.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest vncpwfile

xvfb_start D 320x240x24
other=nobody
id "$other" >/dev/null 2>&1 || fail "no user $other to own files"

good=$T/good
"$TBIN/vncpwfile" secret >"$good"
chmod 600 "$good"

# refused FILE WHY: the server must exit with status 1 within 10 s without
# printing a port, its message naming FILE and saying WHY.
refused() {
	local file=$1 why=$2 out=$T/refused.out err=$T/refused.err pid
	"$SERVER_BIN" -display "$D" -rfbport 0 -localhost -rfbauth "$file" \
		>"$out" 2>"$err" &
	pid=$!
	CLEANUP_PIDS+=("$pid")
	wait_exit "$pid" 10 || fail "server started with $file ($why)"
	# 1: a start-up failure, as documented
	[ "$EXIT_CODE" -eq 1 ] ||
		fail "exit status $EXIT_CODE with $file ($why), expected 1"
	grep -q PORT= "$out" && fail "server listened with $file ($why)"
	grep -qF "$file" "$err" || fail "message does not name $file: $(cat "$err")"
	grep -qi "$why" "$err" || fail "message for $file does not say" \
		"\"$why\": $(cat "$err")"
	log "refused: $(tail -n 1 "$err")"
}

cp "$good" "$T/world"
chmod 644 "$T/world"
refused "$T/world" "other users can read"
cp "$good" "$T/group"
chmod 640 "$T/group"
refused "$T/group" "other users can read"
ln -s "$good" "$T/link"
refused "$T/link" "symbolic link"
ln -s "$good" "$T/foreign-link"
chown -h "$other" "$T/foreign-link"
refused "$T/foreign-link" "symbolic link"
cp "$good" "$T/foreign"
chmod 600 "$T/foreign"
chown "$other" "$T/foreign"
refused "$T/foreign" "another user"
mkdir "$T/dir"
refused "$T/dir" "not a regular file"
refused "$T/missing" "no such file"
# opening a FIFO waits for a writer unless told not to
mkfifo -m 600 "$T/fifo"
refused "$T/fifo" "not a regular file"

server_start -rfbauth "$good"
vnctest --password secret >"$T/good.log" 2>&1 ||
	fail "the good password file does not work"
vnctest --password wrong --expect-auth-fail >"$T/wrong.log" 2>&1 ||
	fail "a wrong password is accepted"
