# Sourced by the host side of the VM tests (run.sh, powerloss.sh): finds QEMU and Debian's kernel,
# failing loudly when either is missing, and boots a guest with the tier's machine settings.
qemu=/usr/bin/qemu-system-x86_64
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1 || true)
[ -x "$qemu" ] || { echo "vm: $qemu is missing (Debian's qemu-system-x86; scripts/install-deps.sh installs it)" >&2; exit 1; }
[ -n "$kernel" ] || { echo "vm: no /boot/vmlinuz-* (Debian's linux-image-amd64; scripts/install-deps.sh installs it)" >&2; exit 1; }
kver=${kernel#/boot/vmlinuz-}
[ -r "$kernel" ] || { echo "vm: $kernel is not readable" >&2; exit 1; }

# vm_boot INITRD LOG APPEND [QEMU-ARGS...]: runs the guest (TCG: no KVM needed), its serial
# console into LOG, until it powers off; the timeout bounds a hung guest.
vm_boot() {
  local initrd=$1 log=$2 append=$3
  shift 3
  timeout 1500 "$qemu" -machine q35 -cpu max -smp 2 -m 6144 -nographic -no-reboot -nodefaults \
    -serial stdio -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 quiet loglevel=3 $append" "$@" </dev/null >"$log" 2>&1 || true
}
