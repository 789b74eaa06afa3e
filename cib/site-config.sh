# Sourced by the cib/ scripts: reads a site configuration file strictly (KEY=value lines, no
# evaluation of values) into the associative array SITE.
declare -gA SITE=()

site_load() {
  local file=$1 line key value n=0
  [ -r "$file" ] || { echo "cannot read site configuration $file" >&2; return 1; }
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    line=${line%%#*}
    line=${line%"${line##*[![:space:]]}"}
    [ -z "${line//[[:space:]]/}" ] && continue
    if [[ ! $line =~ ^([A-Z][A-Z0-9_]*)=(.*)$ ]]; then
      echo "$file:$n: not KEY=value: $line" >&2
      return 1
    fi
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    SITE[$key]=$value
  done < "$file"
  local required=(NODE1 NODE2 FENCING MPATH_MAPS MIRROR_NAME LEG_A LEG_B FS_MOUNTPOINT FS_TYPE
                  SERVICE_IP SERVICE_CIDR ORACLE_SID ORACLE_HOME ORACLE_USER ORACLE_LISTENER
                  WORKLOAD)
  for key in "${required[@]}"; do
    [ -n "${SITE[$key]:-}" ] || { echo "$file: $key is not set" >&2; return 1; }
  done
  case "${SITE[FENCING]}" in
    sbd) [ -n "${SITE[SBD_DEVICE]:-}" ] || { echo "$file: FENCING=sbd needs SBD_DEVICE" >&2; return 1; } ;;
    ipmi) for key in IPMI_NODE1_ADDR IPMI_NODE2_ADDR IPMI_USER; do
            [ -n "${SITE[$key]:-}" ] || { echo "$file: FENCING=ipmi needs $key" >&2; return 1; }
          done ;;
    *) echo "$file: FENCING must be sbd or ipmi, not ${SITE[FENCING]}" >&2; return 1 ;;
  esac
  case "${SITE[WORKLOAD]}" in
    none) ;;
    pgsql) for key in PGSQL_BIN PGSQL_DATA; do
             [ -n "${SITE[$key]:-}" ] || { echo "$file: WORKLOAD=pgsql needs $key" >&2; return 1; }
           done ;;
    *) echo "$file: WORKLOAD must be none or pgsql, not ${SITE[WORKLOAD]}" >&2; return 1 ;;
  esac
  SITE[MAX_RECOVERY_RATE_KIB]=${SITE[MAX_RECOVERY_RATE_KIB]:-0}
  SITE[MIN_RECOVERY_RATE_KIB]=${SITE[MIN_RECOVERY_RATE_KIB]:-0}
  SITE[OP_TIMEOUT_SCALE]=${SITE[OP_TIMEOUT_SCALE]:-1}
  if [[ ! ${SITE[OP_TIMEOUT_SCALE]} =~ ^[1-9][0-9]?$ ]]; then
    echo "$file: OP_TIMEOUT_SCALE must be a whole number from 1 to 99, not ${SITE[OP_TIMEOUT_SCALE]}" >&2
    return 1
  fi
  site_seconds "$file" PRIORITY_FENCING_DELAY_S 15 0 300 || return 1
  site_seconds "$file" FENCE_DEVICE_TIMEOUT_S 60 1 999 || return 1
  site_seconds "$file" FS_MONITOR_INTERVAL_S 20 1 3600 || return 1
  site_seconds "$file" IP_MONITOR_INTERVAL_S 10 1 3600 || return 1
  site_seconds "$file" PGSQL_MONITOR_INTERVAL_S 10 1 3600 || return 1
}

# site_seconds FILE KEY DEFAULT MIN MAX: SITE[KEY] (DEFAULT when unset) must be whole seconds
# from MIN to MAX; otherwise says which key of FILE is wrong and returns 1.
site_seconds() {
  local file=$1 key=$2 min=$4 max=$5
  SITE[$key]=${SITE[$key]:-$3}
  if [[ ! ${SITE[$key]} =~ ^(0|[1-9][0-9]{0,3})$ ]] || [ "${SITE[$key]}" -lt "$min" ] \
     || [ "${SITE[$key]}" -gt "$max" ]; then
    echo "$file: $key must be whole seconds from $min to $max, not ${SITE[$key]}" >&2
    return 1
  fi
}

# The cluster's stonith-timeout ("75s"): Pacemaker counts the priority-fencing-delay inside it, so
# it is the delay plus what the device itself may take.
stonith_timeout() {
  echo "$((${SITE[PRIORITY_FENCING_DELAY_S]} + ${SITE[FENCE_DEVICE_TIMEOUT_S]}))s"
}

# T SECONDS: an operation timeout, SECONDS times the site's OP_TIMEOUT_SCALE ("90s").
T() { echo "$(($1 * ${SITE[OP_TIMEOUT_SCALE]}))s"; }
