// Command kafkactl is the Go half of scripts/kafka.sh: the test PKI,
// readiness, stopping nodes and ACLs, through franz-go and
// cluster/clustertest rather than CLI tools and shell loops over /proc. kafka.sh builds it into .kafka/bin and runs it; it is not meant
// to be run by hand.
//
//	kafkactl pki DIR
//	    the test PKI of cluster/clustertest in DIR: ca.pem, broker.pem,
//	    broker-key.pem, and broker-keystore.pem (key and certificate in one
//	    file, which is what a broker's PEM keystore file holds)
//	kafkactl ready [-timeout 90s] [-logs RUN] [-pid ID=PID...] ID=HOST:PORT...
//	    until every listed node answers a Metadata request on its own address
//	    with every listed id among the brokers; fails at once if a watched
//	    process (-pid) exits, and after the timeout otherwise, printing why
//	    and the failed nodes' logs (RUN/nodeID/logs) on stderr
//	kafkactl stop [-grace 5s] PID...
//	    SIGTERM, SIGKILL after the grace period (at once with -grace 0),
//	    until the processes are gone
//	kafkactl acls HOST:PORT[,HOST:PORT...]
//	    bob's ACLs, as a super user: Read, Write and Describe on every topic,
//	    Read and Describe on every group
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"partop/backend/kafka/cluster/clustertest"
)

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: kafkactl pki DIR | ready [-timeout D] [-logs RUN] [-pid ID=PID...] ID=HOST:PORT... | stop [-grace D] PID... | acls HOST:PORT[,...]"))
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "pki":
		err = pki(args)
	case "ready":
		err = ready(args)
	case "stop":
		err = stop(args)
	case "acls":
		err = acls(args)
	default:
		err = fmt.Errorf("unknown command %q", cmd)
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kafkactl:", err)
	os.Exit(1)
}

func pki(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: kafkactl pki DIR")
	}
	dir := args[0]
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	p, err := clustertest.WritePKI(dir, 365*24*time.Hour)
	if err != nil {
		return err
	}
	var keystore []byte
	for _, f := range []string{p.ServerKey, p.ServerCert} {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		keystore = append(keystore, b...)
	}
	return os.WriteFile(filepath.Join(dir, "broker-keystore.pem"), keystore, 0o600)
}

type node struct {
	id   int32
	addr string
	cl   *kgo.Client
	why  string // why it is not ready yet
}

func ready(args []string) error {
	fs := flag.NewFlagSet("ready", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 90*time.Second, "give up after this long")
	run := fs.String("logs", "", "the run directory, whose nodeID/logs are shown on failure")
	pids := pidFlags{}
	fs.Var(pids, "pid", "ID=PID: fail at once if that node's process exits (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var nodes []*node
	var ids []int32
	for _, a := range fs.Args() {
		id, addr, ok := strings.Cut(a, "=")
		n, err := strconv.ParseInt(id, 10, 32)
		if !ok || err != nil || addr == "" {
			return fmt.Errorf("ready: %q is not ID=HOST:PORT", a)
		}
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DialTimeout(2*time.Second))
		if err != nil {
			return err
		}
		defer cl.Close()
		nodes = append(nodes, &node{id: int32(n), addr: addr, cl: cl, why: "not asked yet"})
		ids = append(ids, int32(n))
	}
	if len(nodes) == 0 {
		return errors.New("ready: no nodes given")
	}
	deadline := time.Now().Add(*timeout)
	for {
		var waiting []*node
		for _, n := range nodes {
			if n.why = n.check(ids); n.why != "" {
				waiting = append(waiting, n)
			}
		}
		nodes = waiting
		if len(nodes) == 0 {
			return nil
		}
		for _, n := range nodes {
			if pid, ok := pids[n.id]; ok && !alive(pid) {
				n.showLogs(*run)
				return fmt.Errorf("node %d (pid %d) exited during startup", n.id, pid)
			}
		}
		if time.Now().After(deadline) {
			var whys []string
			for _, n := range nodes {
				n.showLogs(*run)
				whys = append(whys, fmt.Sprintf("node %d (%s): %s", n.id, n.addr, n.why))
			}
			return fmt.Errorf("not ready after %s: %s", *timeout, strings.Join(whys, "; "))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// check asks n itself, not the cluster: a broker opens its listeners only
// once the controller has unfenced it, so this sees a restarted node come
// back, while the other nodes keep a killed one in their metadata until its
// session times out. It returns why n is not ready, or "".
func (n *node) check(ids []int32) string {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{} // none (nil would be all)
	resp, err := req.RequestWith(ctx, n.cl.SeedBrokers()[0])
	if err != nil {
		return err.Error()
	}
	var have []int32
	for _, b := range resp.Brokers {
		have = append(have, b.NodeID)
	}
	var missing []string
	for _, id := range ids {
		if !slices.Contains(have, id) {
			missing = append(missing, strconv.Itoa(int(id)))
		}
	}
	if len(missing) > 0 {
		slices.Sort(have)
		return fmt.Sprintf("brokers %v in its metadata, not %s", have, strings.Join(missing, ", "))
	}
	return ""
}

func acls(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: kafkactl acls HOST:PORT[,HOST:PORT...]")
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(args[0], ",")...))
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, b := range []*kadm.ACLBuilder{
		kadm.NewACLs().Allow("User:bob").Topics("*").
			Operations(kadm.OpRead, kadm.OpWrite, kadm.OpDescribe),
		kadm.NewACLs().Allow("User:bob").Groups("*").
			Operations(kadm.OpRead, kadm.OpDescribe),
	} {
		res, err := adm.CreateACLs(ctx, b)
		if err != nil {
			return fmt.Errorf("creating bob's ACLs: %w", err)
		}
		for _, r := range res {
			if r.Err != nil {
				return fmt.Errorf("ACL %s %s on %s %q: %w %s", r.Principal, r.Operation, r.Type, r.Name, r.Err, r.ErrMessage)
			}
		}
	}
	return nil
}
