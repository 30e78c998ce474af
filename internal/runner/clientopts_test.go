package runner

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestClientSettings checks which targets' clients skip the x-amz-crc32
// check (only the embedded fake's) and that the clients are built with the
// settings run.json records.
func TestClientSettings(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	cases := []struct {
		name     string
		embedded bool
		want     ClientSettings
	}{
		{"endpoint", false, ClientSettings{MaxIdleConnsPerHost: 7, ValidateResponseChecksum: true}},
		{"embedded", true, ClientSettings{MaxIdleConnsPerHost: 7, ValidateResponseChecksum: false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg := Target{Endpoint: "http://127.0.0.1:1", Config: aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}, Embedded: c.embedded}
			if got := clientSettings(tg, 7); got != c.want {
				t.Errorf("clientSettings: got %+v, want %+v", got, c.want)
			}
			opts := newClient(tg, aws.NopRetryer{}, 7).Options()
			if got, want := opts.DisableValidateResponseChecksum, !c.want.ValidateResponseChecksum; got != want {
				t.Errorf("client DisableValidateResponseChecksum: got %v, want %v", got, want)
			}
		})
	}
}
