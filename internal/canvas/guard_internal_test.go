package canvas

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestInternalAddr(t *testing.T) {
	t.Parallel()
	for _, a := range []string{
		"127.0.0.1", "127.0.0.2", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1",
		"169.254.169.254", "fd00:ec2::254", "fe80::1", "100.64.0.1", "0.0.0.0", "::",
		"224.0.0.1", "ff02::1", "255.255.255.255", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
		"64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "198.18.0.1",
	} {
		assert.NotEmpty(t, internalAddr(netip.MustParseAddr(a)), "%s must be refused", a)
	}
	for _, a := range []string{"8.8.8.8", "52.95.110.1", "2606:4700:4700::1111"} {
		assert.Empty(t, internalAddr(netip.MustParseAddr(a)), "%s is public", a)
	}
}
