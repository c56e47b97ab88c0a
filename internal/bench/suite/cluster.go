package suite

import (
	"context"
	"fmt"
)

// The cluster's budget (issue 11): cross-node @connections vs the same node, and the connect
// rate of a node that records its connections in JetStream KV.
const (
	clusterPostRatio    = 0.5  // cross-node PostToConnection msg/s vs same-node, at C = 100
	clusterPostP99MS    = 2.0  // ... its p99 over loopback, in ms
	clusterConnectRate  = 2000 // connects/s per node with KV records on
	clusterNodeA        = "bench-a"
	clusterNodeB        = "bench-b"
	clusterSectionTitle = "Cluster on NATS"
)

// clusterRows runs two nodes of one API on a NATS server embedded in the first: @connections
// posts from node B's handler through node A's management endpoint (A forwards them to B over
// NATS) next to the same posts made on A for A's own connections, and the connect rate of a
// node recording its connections in KV next to Switchboard alone.
func (s *suite) clusterRows(ctx context.Context) error {
	a, err := s.startSwitchboard(ctx, serveDefault, "-nats-embed", "127.0.0.1:0", "-node", clusterNodeA)
	if err != nil {
		return err
	}
	defer a.stop()
	if a.NATS == "" {
		return fmt.Errorf("cluster node printed no NATS URL")
	}
	b, err := s.startSwitchboard(ctx, serveDefault, "-nats", a.NATS, "-node", clusterNodeB, "-post-to", a.Management)
	if err != nil {
		return err
	}
	defer b.stop()
	s.rep.Servers = append(s.rep.Servers, a.command, b.command)

	sec := s.rep.section(clusterSectionTitle,
		"Two nodes of one API on one NATS server (embedded in node A with JetStream; file store in a temporary directory), "+
			"each recording its connections in JetStream KV. Cross-node: the clients are on node B, whose one-way route "+
			"posts each message back with a real aws-sdk-go-v2 ApiGatewayManagementApi client to node A's @connections "+
			"endpoint; A finds node B in the connection id and forwards the call over NATS request/reply. Same node: the "+
			"clients are on node A and post to A's own endpoint. Both are closed loops, so the round trip includes the "+
			"route's invocation and both WebSocket hops, not only the @connections call. Connect rate: connections to node A "+
			"(each recorded in KV) next to a Switchboard without cluster, run in turn.")
	s.progress("cluster: cross-node @connections, C = %d", s.plan.postConns)
	row := sec.add(&Row{Key: "cluster-post", Title: fmt.Sprintf("cross-node PostToConnection via aws-sdk-go-v2, C = %d", s.plan.postConns), BaseName: "same node"})
	row.Sub, row.Base, err = s.interleave(ctx, b.URL, a.URL, s.roundTripArgs(s.plan.postConns, "sdkpost", "post"))
	if fail(row, err) {
		return sectionErr(sec)
	}

	alone, err := s.startSwitchboard(ctx, serveDefault)
	if err != nil {
		return err
	}
	defer alone.stop()
	s.progress("cluster: connect rate with KV records")
	args := []string{"--idle", "-c", fmt.Sprint(s.plan.connectConns), "--connect-rate", "0", "--duration", "1s"}
	row = sec.add(&Row{Key: "cluster-connect", Title: fmt.Sprintf("%s connects to a node recording them in KV", thousands(s.plan.connectConns)), BaseName: "Switchboard alone"})
	row.Sub, row.Base, err = s.interleave(ctx, a.URL, alone.URL, args)
	fail(row, err)
	return sectionErr(sec)
}

// judgeCluster evaluates the cluster's budget lines.
func judgeCluster(rep *Report, p plan) []Budget {
	post := rep.row("cluster-post")
	out := []Budget{
		judgeRatio(fmt.Sprintf("Cluster: cross-node PostToConnection at C = %d ≥ %.0f%% of same-node messages/s", p.postConns, clusterPostRatio*100),
			post, throughput, func(r float64) bool { return r >= clusterPostRatio }, percent),
	}
	b := Budget{Line: fmt.Sprintf("Cluster: cross-node PostToConnection p99 ≤ %.0f ms over loopback (closed-loop round trip)", clusterPostP99MS)}
	if v, fig, bad := unusable(post); bad {
		b.Verdict, b.Figure = v, fig
	} else {
		b.Figure = millis(post.Sub.p99())
		if post.Base != nil {
			b.Figure += fmt.Sprintf(" (same node: %s)", millis(post.Base.p99()))
		}
		b.Verdict = verdictOf(post.Sub.p99() <= clusterPostP99MS)
	}
	out = append(out, b)
	conn := rep.row("cluster-connect")
	c := Budget{Line: fmt.Sprintf("Cluster: ≥ %s connects/s per node with connection records in KV", thousands(clusterConnectRate))}
	if v, fig, bad := unusable(conn); bad {
		c.Verdict, c.Figure = v, fig
	} else {
		rate := conn.Sub.connect().PerSecond
		c.Figure = fmt.Sprintf("%s conn/s", thousands(int64(rate)))
		if conn.Base != nil {
			c.Figure += fmt.Sprintf(" (alone: %s conn/s)", thousands(int64(conn.Base.connect().PerSecond)))
		}
		c.Verdict = verdictOf(rate >= clusterConnectRate)
	}
	return append(out, c)
}
