#!/bin/sh
# Install lane-edge on a Debian lane box (Debian 12 or later): a virtualenv in /opt/lane-edge,
# the systemd unit, sysusers/tmpfiles snippets, udev rules and an example config.
#
#   sudo systemd/install.sh [--source DIR|WHEEL] [--role NAME=VID:PID[:SERIAL]]... [--start]
#
# --source     what pip installs (default: the checkout this script is in)
# --role       a stable name /dev/lane/NAME for the device with this USB identity (repeatable),
#              e.g. --role mrz=0403:6001:A10K3XYZ --role rfid=10c4:ea60
# --start      start the daemon now (default: enable only; start after editing the config)
# --destdir D  install the files under D instead of / and touch nothing live (packaging, tests)
# --no-apt     do not apt-get install python3-venv
# --no-python  do not build the virtualenv (files only)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(dirname "$here")
destdir=""
prefix=/opt/lane-edge
roles=""
start=no
apt=yes
python=yes

while [ $# -gt 0 ]; do
    case "$1" in
        --source) source_dir=$2; shift 2 ;;
        --role) roles="$roles $2"; shift 2 ;;
        --start) start=yes; shift ;;
        --destdir) destdir=$2; shift 2 ;;
        --no-apt) apt=no; shift ;;
        --no-python) python=no; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

live=yes
[ -n "$destdir" ] && live=no
if [ "$live" = yes ] && [ "$(id -u)" != 0 ]; then
    echo "install.sh: run as root (sudo)" >&2
    exit 2
fi
say() { printf '==> %s\n' "$*"; }

if [ "$apt" = yes ] && [ "$live" = yes ]; then
    say "installing python3-venv"
    apt-get install -y --no-install-recommends python3 python3-venv
fi

if [ "$python" = yes ]; then
    say "virtualenv in $destdir$prefix"
    python3 -m venv "$destdir$prefix"
    "$destdir$prefix/bin/pip" install --quiet --upgrade pip
    "$destdir$prefix/bin/pip" install --quiet "$source_dir"
    mkdir -p "$destdir/usr/local/bin"
    ln -sf "$prefix/bin/lanectl" "$destdir/usr/local/bin/lanectl"
fi

say "systemd unit, sysusers, tmpfiles"
install -D -m 0644 "$here/lane-edge.service" "$destdir/etc/systemd/system/lane-edge.service"
install -D -m 0644 "$here/sysusers.d/lane-edge.conf" "$destdir/usr/lib/sysusers.d/lane-edge.conf"
install -D -m 0644 "$here/tmpfiles.d/lane-edge.conf" "$destdir/usr/lib/tmpfiles.d/lane-edge.conf"
install -D -m 0644 "$here/README.md" "$destdir$prefix/share/doc/lane-edge/README.md"

say "udev rules"
install -D -m 0644 "$here/udev/70-lane-edge.rules" "$destdir/etc/udev/rules.d/70-lane-edge.rules"
local_rules="$destdir/etc/udev/rules.d/71-lane-edge-local.rules"
if [ -n "$roles" ]; then
    {
        echo "# Written by lane-edge install.sh: role names of this lane's devices."
        for role in $roles; do
            name=${role%%=*}
            ids=${role#*=}
            vid=$(echo "$ids" | cut -d: -f1)
            pid=$(echo "$ids" | cut -d: -f2)
            serial=$(echo "$ids" | cut -s -d: -f3)
            case "$name$vid$pid$serial" in
                *[!A-Za-z0-9_.-]*) echo "install.sh: bad --role $role" >&2; exit 2 ;;
            esac
            match="ATTRS{idVendor}==\"$vid\", ATTRS{idProduct}==\"$pid\""
            [ -n "$serial" ] && match="$match, ATTRS{serial}==\"$serial\""
            echo "SUBSYSTEM==\"tty\", $match, SYMLINK+=\"lane/$name\""
            echo "SUBSYSTEM==\"video4linux\", ATTR{index}==\"0\", $match, SYMLINK+=\"lane/$name\""
        done
    } > "$local_rules"
    chmod 0644 "$local_rules"
fi

config="$destdir/etc/lane-edge/lane.toml"
if [ ! -e "$config" ]; then
    say "example config at /etc/lane-edge/lane.toml (edit it, then: lanectl config check)"
    install -D -m 0640 "$source_dir/edge/examples/lane.toml" "$config"
fi

if [ "$live" = yes ]; then
    say "creating user, folders; reloading udev and systemd"
    systemd-sysusers lane-edge.conf
    systemd-tmpfiles --create lane-edge.conf
    chgrp lane-edge /etc/lane-edge/lane.toml
    udevadm control --reload
    udevadm trigger --subsystem-match=tty --subsystem-match=video4linux
    systemctl daemon-reload
    systemctl enable lane-edge.service
    if [ "$start" = yes ]; then
        systemctl restart lane-edge.service
        lanectl status || true
    else
        say "enabled; start with: systemctl start lane-edge   (then: lanectl status)"
    fi
    say "technicians: usermod -aG lane-edge USER to use lanectl"
fi
say "done"
