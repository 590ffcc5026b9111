package devicetest_test

import (
	"testing"

	"github.com/strongauth/strongauth/qr"
	"github.com/strongauth/strongauth/qr/devicetest"
)

func TestMemoryDevices(t *testing.T) {
	devicetest.Run(t, func(*testing.T) qr.DeviceStore { return qr.NewMemoryDevices() })
}
