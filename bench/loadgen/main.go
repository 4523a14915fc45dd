// Command loadgen sends HTTP requests at a fixed rate (open loop) and prints one JSON summary.
//
// Each latency is measured from the request's scheduled send time, not from when a connection
// became free, so a server that stalls cannot hide its queue (coordinated omission). Requests
// go out over a fixed pool of keep-alive connections, as wrk2 does; when every connection is
// busy the next request waits, and that wait counts against the server.
//
//	loadgen -url URL -rate 800 -duration 5s [-connections 64] [-H 'Authorization: Bearer …']
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

type headerList []string

func (h *headerList) String() string     { return strings.Join(*h, ", ") }
func (h *headerList) Set(v string) error { *h = append(*h, v); return nil }

type summary struct {
	Rate         float64        `json:"rate"`
	Seconds      float64        `json:"seconds"`
	Sent         int            `json:"sent"`
	Completed    int            `json:"completed"`
	Errors       int            `json:"errors"`
	Statuses     map[string]int `json:"statuses"`
	LatencyMs    map[string]any `json:"latency_ms"`
	LateMsP99    float64        `json:"generator_late_ms_p99"`
	SamplesMs    []float64      `json:"samples_ms,omitempty"`
	WallSeconds  float64        `json:"wall_seconds"`
	Connections  int            `json:"connections"`
	ErrorExample string         `json:"error_example,omitempty"`
}

type outcome struct {
	latency time.Duration
	late    time.Duration
	status  int
	err     error
}

func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := q / 100 * float64(len(sorted)-1)
	lo := int(rank)
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	frac := rank - float64(lo)
	return sorted[lo] + (sorted[lo+1]-sorted[lo])*frac
}

func stats(values []float64) map[string]any {
	sorted := append([]float64(nil), values...)
	sort.Float64s(sorted)
	out := map[string]any{"n": len(sorted)}
	for _, q := range []float64{50, 90, 95, 99, 99.9} {
		out[strings.TrimSuffix(fmt.Sprintf("p%g", q), ".0")] = percentile(sorted, q)
	}
	if len(sorted) > 0 {
		out["max"] = sorted[len(sorted)-1]
	}
	return out
}

func main() {
	url := flag.String("url", "", "target URL")
	method := flag.String("method", "GET", "HTTP method")
	rate := flag.Float64("rate", 100, "requests per second")
	duration := flag.Duration("duration", 5*time.Second, "how long to send")
	connections := flag.Int("connections", 64, "keep-alive connections")
	samples := flag.Bool("samples", false, "include every latency (ms) in the output")
	var headers headerList
	flag.Var(&headers, "H", "request header 'Name: value' (repeatable)")
	flag.Parse()
	if *url == "" || *rate <= 0 || *connections <= 0 {
		fmt.Fprintln(os.Stderr, "loadgen: -url, a positive -rate and -connections are required")
		os.Exit(2)
	}
	transport := &http.Transport{
		MaxIdleConns:        *connections,
		MaxIdleConnsPerHost: *connections,
		MaxConnsPerHost:     *connections,
		DisableCompression:  true,
		IdleConnTimeout:     90 * time.Second,
	}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	request := func() (*http.Request, error) {
		req, err := http.NewRequest(*method, *url, nil)
		if err != nil {
			return nil, err
		}
		for _, h := range headers {
			name, value, ok := strings.Cut(h, ":")
			if !ok {
				return nil, fmt.Errorf("bad header %q", h)
			}
			req.Header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
		}
		return req, nil
	}
	if _, err := request(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}

	// Open every connection before the clock starts: the first requests must not pay for it.
	var warm sync.WaitGroup
	for w := 0; w < *connections; w++ {
		warm.Add(1)
		go func() {
			defer warm.Done()
			if req, err := request(); err == nil {
				if resp, err := client.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	warm.Wait()

	total := int(*rate * duration.Seconds())
	interval := time.Duration(float64(time.Second) / *rate)
	queue := make(chan time.Time, total)
	results := make(chan outcome, total)
	var workers sync.WaitGroup
	for w := 0; w < *connections; w++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for scheduled := range queue {
				late := time.Since(scheduled)
				req, _ := request()
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				o := outcome{latency: time.Since(scheduled), late: late, err: err}
				if resp != nil {
					o.status = resp.StatusCode
				}
				results <- o
			}
		}()
	}
	start := time.Now().Add(50 * time.Millisecond)
	for i := 0; i < total; i++ {
		scheduled := start.Add(time.Duration(i) * interval)
		if wait := time.Until(scheduled); wait > 0 {
			time.Sleep(wait)
		}
		queue <- scheduled
	}
	close(queue)
	workers.Wait()
	close(results)
	wall := time.Since(start)

	out := summary{
		Rate: *rate, Seconds: duration.Seconds(), Sent: total, Statuses: map[string]int{},
		WallSeconds: wall.Seconds(), Connections: *connections,
	}
	var latencies, lateness []float64
	for o := range results {
		lateness = append(lateness, float64(o.late)/1e6)
		if o.err != nil {
			out.Errors++
			if out.ErrorExample == "" {
				out.ErrorExample = o.err.Error()
			}
			continue
		}
		out.Statuses[fmt.Sprint(o.status)]++
		if o.status >= 400 {
			out.Errors++
		}
		out.Completed++
		latencies = append(latencies, float64(o.latency)/1e6)
	}
	out.LatencyMs = stats(latencies)
	// Lateness includes waiting for a free connection; the generator itself is late only if
	// this is high while the server is idle (compare with a fast target).
	out.LateMsP99 = stats(lateness)["p99"].(float64)
	if *samples {
		out.SamplesMs = latencies
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}
