#!/bin/bash
# VeNCrypt through libvncclient (GnuTLS):
#  - X509Vnc with -cert/-key: the viewer verifies the server's certificate
#    against it and sees the display; trusting a different certificate it
#    refuses the server; a wrong password is refused.
#  - TLSVnc (anonymous TLS) works without any certificate.
#  - Without -cert, X509 types make a self-signed certificate once in
#    ~/.config/xrfbshare, log its fingerprint, and keep it across restarts.
#  - TLSPlain checks users with PAM, and only those in -plainusers.
set -eu
. "$(dirname "$0")/../lib.sh"
need_support vnctest xdraw
need_prog openssl
need_prog python3

RFBSEC=$SUPPORT/rfbsec.py

# vt ARGS...: vnctest against localhost (the name in the certificates)
vt() {
	"$TBIN/vnctest" "$@" "localhost:$PORT"
}

sessions() {
	grep -c "session started" "$SERVER_LOG" || true
}

# only_vencrypt: the server offers VeNCrypt (19) and nothing else
only_vencrypt() {
	local out
	out=$(python3 "$RFBSEC" "$PORT") || fail "raw probe: $out"
	[ "$out" = "offered: 19" ] || fail "$1 offers '$out', expected 19 only"
}

# self-signed certificate NAME for localhost, no CA
make_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
		-keyout "$T/$1.key" -out "$T/$1.pem" >"$T/openssl.log" 2>&1 ||
		fail "openssl could not make a certificate"
}

fingerprint() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//'
}

xvfb_start D 320x240x24
"$TBIN/xdraw" "$D" gradient
"$TBIN/xdraw" "$D" text
"$SERVER_BIN" -storepasswd secret "$T/passwd" >/dev/null 2>&1 ||
	fail "-storepasswd failed"
make_cert good
make_cert other

# ---- X509Vnc with a given certificate ----
server_start -securitytypes X509Vnc -rfbauth "$T/passwd" \
	-cert "$T/good.pem" -key "$T/good.key"
only_vencrypt X509Vnc
vt --x509-ca "$T/good.pem" --password secret --compare-display "$D" \
	>"$T/x509.log" 2>&1 ||
	fail "X509Vnc: verified viewer does not match"
vt --x509-ca "$T/other.pem" --password secret --expect-cert-fail \
	>"$T/x509-other.log" 2>&1 ||
	fail "X509Vnc: a foreign certificate was \
not rejected by the viewer"
# The server's side of it: that connection ended in TLS, with no session.
peer=$(grep ': connected$' "$SERVER_LOG" | tail -n 1 | awk '{ print $4 }')
wait_for 5 grep -qF "$peer closed: " "$SERVER_LOG" ||
	fail "X509Vnc: the rejected connection ($peer) was not closed"
grep -qF "$peer closed: TLS" "$SERVER_LOG" ||
	fail "X509Vnc: no TLS failure in the log for $peer"
! grep -qF "$peer RFB 3.8 session started" "$SERVER_LOG" ||
	fail "X509Vnc: a session despite a rejected certificate"
vt --x509-ca "$T/good.pem" --password wrong --expect-auth-fail \
	>"$T/x509-wrong.log" 2>&1 ||
	fail "X509Vnc: wrong password not refused"
grep -q "authentication failed" "$SERVER_LOG" ||
	fail "X509Vnc: no 'authentication failed' in the log"
log "X509Vnc: verified, foreign certificate and wrong password refused"

# ---- TLSVnc: anonymous TLS, no certificate anywhere ----
mkdir "$T/home-anon"
HOME=$T/home-anon server_start -securitytypes TLSVnc -rfbauth "$T/passwd"
only_vencrypt TLSVnc
vt --password secret --compare-display "$D" >"$T/tlsvnc.log" 2>&1 ||
	fail "TLSVnc: viewer does not match"
vt --password wrong --expect-auth-fail >"$T/tlsvnc-wrong.log" 2>&1 ||
	fail "TLSVnc: wrong password not refused"
[ ! -e "$T/home-anon/.config/xrfbshare" ] ||
	fail "anonymous TLS made a certificate directory"
log "TLSVnc: anonymous TLS works"

# ---- a self-signed certificate made on first use ----
mkdir "$T/home"
dir=$T/home/.config/xrfbshare
HOME=$T/home server_start -securitytypes X509None
[ -s "$dir/cert.pem" ] || fail "no $dir/cert.pem after starting with X509None"
mode=$(stat -c %a "$dir/key.pem") || fail "no $dir/key.pem"
[ "$mode" = 600 ] || fail "key.pem has mode $mode, expected 600"
fp=$(fingerprint "$dir/cert.pem")
grep -q "TLS certificate $dir/cert.pem, SHA-256 fingerprint $fp" \
	"$SERVER_LOG" || fail "the log does not give the fingerprint $fp"
vt --x509-ca "$dir/cert.pem" --compare-display "$D" >"$T/self.log" 2>&1 ||
	fail "X509None with the made certificate: no match"
vt --x509-ca "$T/good.pem" --expect-cert-fail >"$T/self-other.log" 2>&1 ||
	fail "the made certificate was accepted by a \
viewer trusting another one"
kill -TERM "$SERVER_PID"
wait_exit "$SERVER_PID" 5 || fail "server did not stop on SIGTERM"
HOME=$T/home server_start -securitytypes X509None
[ "$(fingerprint "$dir/cert.pem")" = "$fp" ] ||
	fail "a restart made a new certificate"
grep -q "SHA-256 fingerprint $fp" "$SERVER_LOG" ||
	fail "the restarted server does not use the same certificate"
log "self-signed: made once, fingerprint $fp"

# ---- TLSPlain with PAM ----
[ "$(id -u)" = 0 ] || fail "TLSPlain needs root to create test users"
need_prog useradd
need_prog chpasswd
U1=xrfbt$$a
U2=xrfbt$$b
users_made=
remove_users() {
	local u
	for u in $users_made; do
		userdel "$u" 2>/dev/null || true
	done
}
# lib.sh's _cleanup takes the exit status from $?: hand it on
on_exit() {
	local st=$?
	remove_users
	(exit "$st")
	_cleanup
}
trap on_exit EXIT
for u in "$U1" "$U2"; do
	useradd -M -N -s /usr/sbin/nologin "$u" || fail "useradd $u failed"
	users_made="$users_made $u"
	echo "$u:pw-$u-42" | chpasswd || fail "chpasswd $u failed"
done

server_start -securitytypes TLSPlain -plainusers "$U1"
only_vencrypt TLSPlain
vt --user "$U1" --password "pw-$U1-42" --compare-display "$D" \
	>"$T/plain.log" 2>&1 ||
	fail "TLSPlain: the right password does not get in"
grep -q "Plain login as $U1\$" "$SERVER_LOG" || fail "no 'Plain login' line"
vt --user "$U1" --password wrong --expect-auth-fail >"$T/plain-wrong.log" \
	2>&1 || fail "TLSPlain: wrong password \
not refused"
# one line, naming the peer, the user and PAM's reason
[ "$(grep -c "Plain login as $U1 refused\|PAM" "$SERVER_LOG")" -eq 1 ] &&
	grep -q "^.*127\.0\.0\.1:[0-9]*: authentication failed: Plain login as \
$U1 refused: PAM: " "$SERVER_LOG" ||
	fail "no single 'peer: ... Plain login as $U1 refused: PAM' line"
vt --user "$U2" --password "pw-$U2-42" --expect-auth-fail \
	>"$T/plain-other.log" 2>&1 ||
	fail "TLSPlain: a user not in -plainusers got in"
[ "$(grep -c "$U2" "$SERVER_LOG")" -eq 1 ] &&
	grep -q "127\.0\.0\.1:[0-9]*: authentication failed: Plain login as \
$U2 refused: not in -plainusers" "$SERVER_LOG" ||
	fail "no single 'peer: ... $U2 refused: not in -plainusers' line"
n=$(sessions)
[ "$n" -eq 1 ] || fail "$n TLSPlain sessions, expected 1"
log "TLSPlain: PAM user in, wrong password and other user refused"
