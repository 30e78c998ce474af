package fakeservice

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestAutoScalingThroughSDK replays target tracking at fixed instants
// through the real SDK: sustained writes above the target for the alarm's
// two minutes raise the table's capacity a minute later (DescribeTable
// shows it, and the writes one second admits follow it), fifteen idle
// minutes lower it to the minimum; /stats records each change.
func TestAutoScalingThroughSDK(t *testing.T) {
	clock := newFakeClock()
	scaling := &AutoScaling{Table: Scaling{Write: &ScalingPolicy{Min: 5, Max: 100, Target: 50}}}
	if err := scaling.Validate(); err != nil {
		t.Fatal(err)
	}
	// No burst credit: a table serves at most one second of its capacity
	// at an instant, so what one instant admits is the capacity.
	srv, url := startServer(t, Options{Now: clock.Now, Model: Model{Burst: -1}, AutoScaling: scaling})
	c := newClient(t, url, true, nil)
	createTable(t, c, "ramp", 10, 10)
	n := 0
	put := func(kb int) error {
		n++
		id := fmt.Sprint("k", n)
		item := map[string]types.AttributeValue{
			"id": &types.AttributeValueMemberS{Value: id},
			"p":  &types.AttributeValueMemberS{Value: strings.Repeat("x", kb*1024-len("id")-len(id)-len("p"))},
		}
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("ramp"), Item: item})
		return err
	}
	admitted := func() int {
		for i := range 200 {
			if err := put(1); err != nil {
				var pe *types.ProvisionedThroughputExceededException
				if !errors.As(err, &pe) {
					t.Fatalf("PutItem: got %v, want a throttle or success", err)
				}
				return i
			}
		}
		return 200
	}
	tests := []struct {
		name         string
		until        time.Duration // from the table's creation
		kbPerSecond  int           // one write of this size each second until then
		wantWCU      int64
		wantIncrease time.Duration // LastIncreaseDateTime from creation; 0: none
		wantDecrease time.Duration
	}{
		{"8 WCU/s > 50% of 10 for 2 minutes: decided, not in effect", 2 * time.Minute, 8, 10, 0, 0},
		{"a minute later: ceil(8 / 50%) = 16", 3 * time.Minute, 0, 16, 3 * time.Minute, 0},
		{"idle < 30% for 15 minutes: decided, not in effect", 18 * time.Minute, 0, 16, 3 * time.Minute, 0},
		{"a minute later: down to the minimum, 5", 19 * time.Minute, 0, 5, 3 * time.Minute, 19 * time.Minute},
	}
	for _, tt := range tests {
		for clock.Now().Before(t0.Add(tt.until)) {
			if tt.kbPerSecond > 0 {
				if err := put(tt.kbPerSecond); err != nil {
					t.Fatalf("%s: PutItem at %v: %v", tt.name, clock.Now().Sub(t0), err)
				}
			}
			clock.Advance(time.Second)
		}
		d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("ramp")})
		if err != nil {
			t.Fatalf("%s: DescribeTable: %v", tt.name, err)
		}
		pt := d.Table.ProvisionedThroughput
		if got := aws.ToInt64(pt.WriteCapacityUnits); got != tt.wantWCU {
			t.Errorf("%s: got WriteCapacityUnits %d, want %d", tt.name, got, tt.wantWCU)
		}
		if got := aws.ToInt64(pt.ReadCapacityUnits); got != 10 {
			t.Errorf("%s: got ReadCapacityUnits %d, want 10 (not scaled)", tt.name, got)
		}
		for _, x := range []struct {
			what string
			got  *time.Time
			want time.Duration
		}{{"LastIncreaseDateTime", pt.LastIncreaseDateTime, tt.wantIncrease}, {"LastDecreaseDateTime", pt.LastDecreaseDateTime, tt.wantDecrease}} {
			switch {
			case x.want == 0 && x.got != nil:
				t.Errorf("%s: got %s %v, want none", tt.name, x.what, x.got)
			case x.want != 0 && (x.got == nil || !x.got.Equal(t0.Add(x.want))):
				t.Errorf("%s: got %s %v, want %v", tt.name, x.what, x.got, t0.Add(x.want))
			}
		}
		// A change keeps the tokens the table held: a second later it
		// holds one second of the new capacity.
		clock.Advance(time.Second)
		if got := admitted(); int64(got) != tt.wantWCU {
			t.Errorf("%s: got %d one-KB writes admitted a second later, want %d (the capacity in effect)", tt.name, got, tt.wantWCU)
		}
	}
	rep := srv.Report(0).Tables["ramp"]
	want := []ScalingActionReport{
		{Decided: t0.Add(2 * time.Minute), Effective: t0.Add(3 * time.Minute), Resource: "table/ramp", Dimension: "write", Old: 10, New: 16,
			Why: "scale out: consumed 8.0/s > 50% of 10 for 2 minutes"},
		{Decided: t0.Add(18 * time.Minute), Effective: t0.Add(19 * time.Minute), Resource: "table/ramp", Dimension: "write", Old: 16, New: 5,
			Why: "scale in: consumed 0.0/s < 30% of 16 for 15 minutes"},
	}
	if len(rep.ScalingActions) != len(want) {
		t.Fatalf("got /stats scaling actions %+v, want %+v", rep.ScalingActions, want)
	}
	for i := range want {
		if got := rep.ScalingActions[i]; !got.Decided.Equal(want[i].Decided) || !got.Effective.Equal(want[i].Effective) ||
			got.Resource != want[i].Resource || got.Dimension != want[i].Dimension || got.Old != want[i].Old || got.New != want[i].New || got.Why != want[i].Why {
			t.Errorf("action %d: got %+v, want %+v", i, got, want[i])
		}
	}
	if got := rep.ProvisionedWriteUnits; got != 5 {
		t.Errorf("got /stats provisioned_write_units %d, want 5", got)
	}
}

// TestAutoScalingIndexWrites: a global index's writes, charged with the
// base table's, feed the index's scaler: 7 units a second on an index of
// 10 WCU at a 50 % target scale it to 14 three minutes after its creation,
// leaving the table and the other index as they were.
func TestAutoScalingIndexWrites(t *testing.T) {
	clock := newFakeClock()
	scaling := &AutoScaling{Indexes: map[string]Scaling{"gsi": {Write: &ScalingPolicy{Min: 5, Max: 100, Target: 50}}}}
	srv, url := startServer(t, Options{Now: clock.Now, Model: Model{Burst: -1}, AutoScaling: scaling})
	c := newClient(t, url, true, nil)
	createIndexed(t, c, 100, 10, 0)
	for i := 0; clock.Now().Before(t0.Add(3 * time.Minute)); i++ {
		if clock.Now().Before(t0.Add(2 * time.Minute)) {
			// About 6.5 KB: 7 write units on the table and on "gsi"; no k,
			// so nothing on "keys".
			item := map[string]types.AttributeValue{"id": s(fmt.Sprint("k", i)), "g": s(fmt.Sprint("v", i)), "p": pad(6500)}
			if _, err := put(item)(c); err != nil {
				t.Fatalf("PutItem at %v: %v", clock.Now().Sub(t0), err)
			}
		}
		clock.Advance(time.Second)
	}
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("tbl")})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int64{"table": {100, 100}, "gsi": {10, 14}, "keys": {10, 10}}
	got := map[string][2]int64{"table": {aws.ToInt64(d.Table.ProvisionedThroughput.ReadCapacityUnits), aws.ToInt64(d.Table.ProvisionedThroughput.WriteCapacityUnits)}}
	for _, g := range d.Table.GlobalSecondaryIndexes {
		got[aws.ToString(g.IndexName)] = [2]int64{aws.ToInt64(g.ProvisionedThroughput.ReadCapacityUnits), aws.ToInt64(g.ProvisionedThroughput.WriteCapacityUnits)}
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: got RCU/WCU %v, want %v", name, got[name], w)
		}
	}
	acts := srv.Report(0).Tables["tbl"].ScalingActions
	if len(acts) != 1 || acts[0].Resource != "table/tbl/index/gsi" || acts[0].Dimension != "write" || acts[0].Old != 10 || acts[0].New != 14 ||
		!acts[0].Effective.Equal(t0.Add(3*time.Minute)) {
		t.Errorf("got /stats scaling actions %+v, want one: table/tbl/index/gsi write 10 -> 14 at +3m", acts)
	}
}

// TestUpdateTableSeesScaledCapacity: UpdateTable compares with the
// capacity auto scaling put in effect, not with the one the table was
// last described with: asking for the scaled value changes nothing, and
// DynamoDB refuses that.
func TestUpdateTableSeesScaledCapacity(t *testing.T) {
	clock := newFakeClock()
	scaling := &AutoScaling{Table: Scaling{Write: &ScalingPolicy{Min: 5, Max: 100, Target: 50}}}
	_, url := startServer(t, Options{Now: clock.Now, Model: Model{Burst: -1}, AutoScaling: scaling})
	c := newClient(t, url, true, nil)
	createTable(t, c, "ramp", 10, 10)
	// 8 one-KB writes a second for 2 minutes: 16 WCU from minute 3.
	for i := 0; clock.Now().Before(t0.Add(2 * time.Minute)); i++ {
		for j := range 8 {
			item := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: fmt.Sprint("k", i, "-", j)}}
			if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("ramp"), Item: item}); err != nil {
				t.Fatalf("PutItem at %v: %v", clock.Now().Sub(t0), err)
			}
		}
		clock.Advance(time.Second)
	}
	clock.Advance(time.Minute + time.Second)
	_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("ramp"),
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(10), WriteCapacityUnits: aws.Int64(16)}})
	if err == nil || !strings.Contains(err.Error(), "will not change") || !strings.Contains(err.Error(), "Current WriteCapacityUnits provisioned for the table: 16.") {
		t.Errorf("UpdateTable to the scaled 16 WCU: got %v, want a ValidationException saying it will not change from 16", err)
	}
	// Back to 10 is a change (from 16), so it is accepted.
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("ramp"),
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(10), WriteCapacityUnits: aws.Int64(10)}}); err != nil {
		t.Errorf("UpdateTable back to 10 WCU: %v", err)
	}
}
