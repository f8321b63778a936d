# Shared helpers for the real-PBX scripts (sourced, not run).
# CBSTATUS_PBX_SOURCES: the directory holding the PBX archives and their SHA256SUMS
#   (default: ../shared/peers beside the checkout).
# CBSTATUS_PBX_CACHE: where the builds live, outside the checkout (default /var/cache/cbstatus-pbx).
# A build's directory is named after the checksums of its archives plus a recipe number, so a
# new archive or a changed recipe builds afresh and an unchanged one is reused in seconds.

pbx_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PBX_SOURCES=${CBSTATUS_PBX_SOURCES:-$pbx_repo/../shared/peers}
PBX_CACHE=${CBSTATUS_PBX_CACHE:-/var/cache/cbstatus-pbx}

# The versions the project proves (README "Real PBXs"), newest first: the first is the default
# of build-asterisk / build-freeswitch. FreeSWITCH "master" is the archive of master at
# cc93a683ca (reports 1.11.3-dev).
PBX_ASTERISK_VERSIONS=(23.4.1 22.10.1 20.20.1)
PBX_FREESWITCH_VERSIONS=(master 1.10.12)

# pbx_supported KIND VERSION: dies with the list when VERSION is not one of KIND's versions.
pbx_supported() {
  local kind=$1 v=$2 list
  if [ "$kind" = asterisk ]; then list=("${PBX_ASTERISK_VERSIONS[@]}"); else list=("${PBX_FREESWITCH_VERSIONS[@]}"); fi
  local x
  for x in "${list[@]}"; do [ "$x" = "$v" ] && return 0; done
  pbx_die "$kind $v is not a supported version (supported: ${list[*]})"
}

pbx_log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
pbx_die() { echo "error: $*" >&2; exit 1; }

# The SHA256 of one archive as listed in SHA256SUMS.
pbx_sum() {
  [ -f "$PBX_SOURCES/SHA256SUMS" ] || pbx_die "no $PBX_SOURCES/SHA256SUMS (set CBSTATUS_PBX_SOURCES=DIR)"
  local s
  s=$(awk -v f="$1" '$2 == f || $2 == "*" f { print $1 }' "$PBX_SOURCES/SHA256SUMS")
  [ -n "$s" ] || pbx_die "$1 is not listed in $PBX_SOURCES/SHA256SUMS"
  echo "$s"
}

# Checks an archive against SHA256SUMS before anything is built from it.
pbx_verify() {
  local want got
  want=$(pbx_sum "$1")
  got=$(sha256sum "$PBX_SOURCES/$1" | cut -d' ' -f1)
  [ "$want" = "$got" ] || pbx_die "$PBX_SOURCES/$1: checksum $got, SHA256SUMS says $want"
}

# Installs the Debian packages that are missing (apt-get update at most once per run).
pbx_apt_updated=0
pbx_apt() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  local sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  # Builds run in parallel lanes (scripts/pbx/test, scripts/test): one apt-get at a time (a
  # lock of our own, and dpkg's lock waited for rather than failing on it).
  local wait_lock=(-o DPkg::Lock::Timeout=900)
  mkdir -p "$PBX_CACHE"
  {
    flock 8
    missing=()
    for p in "$@"; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
      pbx_log "installing: ${missing[*]}"
      # stdout is the build scripts' answer (the prefix): apt's chatter goes to stderr.
      if [ "$pbx_apt_updated" = 0 ]; then
        $sudo_cmd apt-get "${wait_lock[@]}" update -qq >&2
        pbx_apt_updated=1
      fi
      DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get "${wait_lock[@]}" install -y -qq --no-install-recommends "${missing[@]}" >&2
    fi
  } 8>"$PBX_CACHE/.lock-apt"
}

# Serialises builds of the same thing (two suites starting at once build it once).
pbx_lock() {
  mkdir -p "$PBX_CACHE"
  exec 9>"$PBX_CACHE/.lock-$1"
  flock 9
}
