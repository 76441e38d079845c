#!/bin/sh
# Renders the Asterisk templates from the environment, then runs Asterisk in the
# foreground. Only the variables listed below are substituted, so nothing else in a
# template that looks like ${...} is touched.
set -eu

need() {
    eval "value=\${$1:-}"
    if [ -z "$value" ]; then
        echo "start.sh: $1 must be set (see .env.example)" >&2
        exit 64
    fi
}
for name in ASTERISK_AMI_USERNAME ASTERISK_AMI_PASSWORD SIP_USERNAME SIP_PASSWORD SIP_SERVER; do
    need "$name"
done

# Defaults for the optional settings.
: "${SIP_FROM_USER:=$SIP_USERNAME}"
: "${SIP_FROM_DOMAIN:=${SIP_SERVER%%:*}}"
: "${FAXDROP_SIP_TRANSPORT:=udp}"
: "${FAXDROP_SIP_PORT:=5060}"
: "${FAXDROP_EXTERNAL_ADDRESS:=}"
: "${FAXDROP_LOCAL_NET:=}"
: "${FAXDROP_T38_MAXDATAGRAM:=400}"
: "${FAXDROP_SIP_MEDIA_ENCRYPTION:=no}"
: "${FAXDROP_SIP_MATCH:=${SIP_SERVER%%:*}}"
: "${FAXDROP_AMI_BIND:=0.0.0.0}"
: "${ASTERISK_AMI_PORT:=5038}"
: "${FAXDROP_AMI_PERMIT:=172.16.0.0/255.240.0.0}"
case "$FAXDROP_SIP_TRANSPORT" in
    udp) : "${FAXDROP_SIP_URI_PARAMS:=}" ;;
    tcp) : "${FAXDROP_SIP_URI_PARAMS:=;transport=tcp}" ;;
    tls)
        : "${FAXDROP_SIP_URI_PARAMS:=;transport=tls}"
        : "${FAXDROP_SIP_TLS_CERT:=/etc/asterisk/keys/asterisk.crt}"
        : "${FAXDROP_SIP_TLS_KEY:=/etc/asterisk/keys/asterisk.key}"
        : "${FAXDROP_SIP_TLS_METHOD:=tlsv1_2}"
        ;;
    *) echo "start.sh: FAXDROP_SIP_TRANSPORT must be udp, tcp or tls" >&2; exit 64 ;;
esac
: "${FAXDROP_SIP_TLS_CERT:=}"
: "${FAXDROP_SIP_TLS_KEY:=}"
: "${FAXDROP_SIP_TLS_METHOD:=}"

VARIABLES='ASTERISK_AMI_USERNAME ASTERISK_AMI_PASSWORD SIP_USERNAME SIP_PASSWORD SIP_SERVER
SIP_FROM_USER SIP_FROM_DOMAIN FAXDROP_SIP_TRANSPORT FAXDROP_SIP_PORT FAXDROP_EXTERNAL_ADDRESS
FAXDROP_LOCAL_NET FAXDROP_T38_MAXDATAGRAM FAXDROP_SIP_MEDIA_ENCRYPTION FAXDROP_SIP_MATCH
FAXDROP_AMI_BIND ASTERISK_AMI_PORT FAXDROP_AMI_PERMIT FAXDROP_SIP_URI_PARAMS FAXDROP_SIP_TLS_CERT
FAXDROP_SIP_TLS_KEY FAXDROP_SIP_TLS_METHOD'
format=""
for name in $VARIABLES; do
    export "$name"
    format="$format \${$name}"
done

CONF_DIR="${ASTERISK_CONF_DIR:-/etc/asterisk}"
# The rendered files hold the AMI and SIP secrets: root:<group> 0640. Asterisk runs as
# `-U asterisk -G asterisk` and reads its configuration only after dropping root, so the
# files must be readable by that group, and by nobody else.
ASTERISK_GROUP="${ASTERISK_GROUP:-asterisk}"
if ! getent group "$ASTERISK_GROUP" >/dev/null 2>&1; then
    echo "start.sh: group $ASTERISK_GROUP does not exist; Asterisk could not read the rendered files (set ASTERISK_GROUP)" >&2
    exit 67
fi
umask 027
for template in "$CONF_DIR"/templates/*.conf.template; do
    target="$CONF_DIR/$(basename "$template" .template)"
    # A setting whose value rendered empty is left out (commented), not set to "".
    envsubst "$format" < "$template" | sed -E 's/^([A-Za-z_]+)[[:space:]]*=[[:space:]]*$/; \1 = (not set)/' > "$target.tmp"
    # Group and mode before the rename, so Asterisk never sees the file otherwise.
    chgrp "$ASTERISK_GROUP" "$target.tmp"
    chmod 0640 "$target.tmp"
    mv "$target.tmp" "$target"
done

if [ "${1:-}" = "--render-only" ]; then
    exit 0
fi
chown -R asterisk:asterisk /var/lib/asterisk /var/spool/asterisk /var/log/asterisk /var/run/asterisk 2>/dev/null || true

# FaxDrop keeps job folders group-readable (0750): let the asterisk user read the fax
# TIFFs by joining the group that owns the spool's active/ folder.
SPOOL="${FAXDROP_ASTERISK_SPOOL:-${FAXDROP_SPOOL:-/var/spool/faxdrop}}"
if [ -d "$SPOOL/active" ]; then
    gid=$(stat -c %g "$SPOOL/active")
    group=$(awk -F: -v gid="$gid" '$3 == gid { print $1; exit }' /etc/group)
    if [ -z "$group" ]; then
        group=faxspool
        addgroup -g "$gid" "$group"
    fi
    addgroup asterisk "$group" 2>/dev/null || true
else
    echo "start.sh: $SPOOL/active not found; mount FaxDrop's spool there (FAXDROP_ASTERISK_SPOOL)" >&2
fi

exec asterisk -f -U asterisk -G asterisk -vvv
