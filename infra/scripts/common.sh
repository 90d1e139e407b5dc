# Sourced by the scripts beside it.

# A URL with its password replaced by ***, so logs never carry it.
redact() {
  if [[ $1 =~ ^([a-z+]+://[^:/@]*):[^@]*@(.*)$ ]]; then
    echo "${BASH_REMATCH[1]}:***@${BASH_REMATCH[2]}"
  else
    echo "$1"
  fi
}
