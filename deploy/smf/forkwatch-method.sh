#!/sbin/sh
#
# SMF method for svc:/application/forkwatch (install as /lib/svc/method/forkwatch).
# Called as "forkwatch-method.sh start". Reads its settings from the service's
# config/* properties, validates the configuration (a bad config puts the
# service in maintenance instead of a restart loop), then execs the daemon in
# the foreground (startd/duration = child).
#
# SMF_INCLUDE exists for test/deploy/smf.test.ts, which runs this script on
# Linux with a stand-in for smf_include.sh and svcprop.

. "${SMF_INCLUDE:-/lib/svc/share/smf_include.sh}"

getprop() {
	svcprop -p "config/$1" "$SMF_FMRI" 2>/dev/null
}

start_forkwatch() {
	config=`getprop file`
	node=`getprop node`
	install_dir=`getprop install_dir`
	state_dir=`getprop state_dir`

	if [ -z "$config" ] || [ ! -r "$config" ]; then
		echo "forkwatch: config/file '$config' is not a readable file" >&2
		exit $SMF_EXIT_ERR_CONFIG
	fi
	if [ -z "$node" ] || [ ! -x "$node" ]; then
		echo "forkwatch: config/node '$node' is not an executable Node.js 20" >&2
		exit $SMF_EXIT_ERR_CONFIG
	fi
	cli="$install_dir/dist/cli/index.js"
	if [ ! -r "$cli" ]; then
		echo "forkwatch: $cli not found (config/install_dir; run npm ci && npm run build there)" >&2
		exit $SMF_EXIT_ERR_CONFIG
	fi
	if [ -n "$state_dir" ]; then
		FORKWATCH_STATE_DIR="$state_dir"
		export FORKWATCH_STATE_DIR
	fi

	# check-config exits 78 (EX_CONFIG) and names the key on a bad config.
	if ! "$node" "$cli" check-config --config "$config" >/dev/null; then
		echo "forkwatch: $config is invalid (see the message above)" >&2
		exit $SMF_EXIT_ERR_CONFIG
	fi

	# Node flags and malloc's tunables: src/daemon/node-flags.ts says why (RSS).
	GLIBC_TUNABLES=glibc.malloc.trim_threshold=65536:glibc.malloc.top_pad=0
	export GLIBC_TUNABLES
	exec "$node" --v8-pool-size=1 --max-semi-space-size=1 --expose-gc --bytecode-old-age=1 --flush-baseline-code --heap-growing-percent=25 --no-allocation-site-pretenuring "$cli" run --config "$config"
}

if [ -z "$SMF_FMRI" ]; then
	echo "forkwatch: this script is run by SMF (svcadm enable application/forkwatch)" >&2
	exit $SMF_EXIT_ERR_NOSMF
fi

case "$1" in
start)
	start_forkwatch
	;;
*)
	echo "usage: $0 start" >&2
	exit $SMF_EXIT_ERR_FATAL
	;;
esac
