#!/bin/sh
# Turns `frappe-realtime --help` into a roff man page, so the page can never
# drift from the options (help2man is not part of a Debian 12 build box).
#
#   sh help2roff.sh BINARY VERSION OUTPUT.1
set -eu
binary=$1
version=$2
output=$3

"$binary" --help >"$output.help"
awk -v version="$version" '
function esc(s) {
    gsub(/\\/, "\\e", s)
    gsub(/-/, "\\-", s)
    if (s ~ /^[.\047]/) s = "\\&" s
    return s
}
BEGIN {
    print ".TH FRAPPE\\-REALTIME 1 \"\" \"frappe\\-realtime " version "\" \"User Commands\""
    print ".SH NAME"
    print "frappe\\-realtime \\- native realtime (socket.io) server for Frappe sites"
    print ".SH SYNOPSIS"
    print ".B frappe\\-realtime"
    print "[\\fIoptions\\fR]"
    print ".SH DESCRIPTION"
    section = "description"
}
/^Usage:/ { next }
/^Options:/ { print ".SH OPTIONS"; section = "options"; next }
section == "description" {
    if ($0 == "") print ".PP"; else print esc($0)
    next
}
section == "options" {
    if ($0 ~ /^  [^ ]/) {
        # "  -h, --help    Text" : option names, then two or more spaces, then text.
        line = substr($0, 3)
        split(line, parts, /   +/)
        names = parts[1]
        text = substr(line, length(names) + 1)
        sub(/^ +/, "", text)
        print ".TP"
        n = esc(names)
        gsub(/<[^>]*>/, "\\fI&\\fB", n)
        gsub(/[<>]/, "", n)
        print "\\fB" n "\\fR"
        if (text != "") print esc(text)
    } else if ($0 ~ /^ +[^ ]/) {
        line = $0
        sub(/^ +/, "", line)
        print esc(line)
    }
}
END {
    print ".SH BENCH"
    print "Run from the bench folder (or with \\fB\\-\\-bench\\fR or \\fBFRAPPE_BENCH_ROOT\\fR) it reads"
    print "config.json and sites/common_site_config.json like the Node service: socketio_port,"
    print "socketio_uds, redis_queue, default_site, developer_mode, webserver_port, webserver_host;"
    print "FRAPPE_SITE, FRAPPE_REDIS_QUEUE, FRAPPE_SOCKETIO_PORT and FRAPPE_SOCKETIO_UDS override them."
    print "Without a bench it serves the demo site site1.localhost and starts a private redis\\-server."
    print ".SH EXIT STATUS"
    print ".TP"
    print ".B 0"
    print "Normal end, including SIGTERM and SIGINT (every socket is closed first)."
    print ".TP"
    print ".B 1"
    print "Runtime start failure: the port is in use, redis\\-server cannot be started, ..."
    print ".TP"
    print ".B 2"
    print "Usage or configuration error (bad option, unreadable bench config, unsafe \\fB\\-\\-auth dev\\fR)."
    print ".SH FILES"
    print ".TP"
    print ".I /etc/default/frappe\\-realtime"
    print "Extra options (FRAPPE_REALTIME_OPTS) for the frappe\\-realtime@.service systemd units."
    print ".SH SEE ALSO"
    print "/usr/share/doc/frappe\\-realtime/README.md, /usr/share/doc/frappe\\-realtime/examples/"
}
' "$output.help" >"$output"
rm -f "$output.help"
