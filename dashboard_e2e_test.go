package switchboard_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard"
)

// chromiumPath is Debian's Chromium, which the dashboard test drives headless.
const chromiumPath = "/usr/bin/chromium"

// needChromium skips the test without Chromium, unless SWITCHBOARD_REQUIRE_CHROMIUM=1 (set by
// scripts/test.sh, which installs it) makes that a failure.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_CHROMIUM") == "1" {
			t.Fatalf("SWITCHBOARD_REQUIRE_CHROMIUM=1 but %s: %v", chromiumPath, err)
		}
		t.Skipf("%s not found (apt-get install chromium)", chromiumPath)
	}
}

// browser starts a headless Chromium for the test and returns a tab's context.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox, // tests may run as root
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-gpu", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	tctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTime()
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(tctx); err != nil { // start the browser now, so that its errors show here
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	return tctx
}

// waitPage waits until the JavaScript expression is truthy in the page.
func waitPage(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
		t.Fatalf("waiting for %s: %v\npage text:\n%s", what, err, state)
	}
}

// pageValue evaluates a JavaScript expression in the page.
func pageValue[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// client is a WebSocket client whose frames and close are read in the background.
type client struct {
	c      *websocket.Conn
	frames chan string
	closed chan error
}

func dialClient(t *testing.T, url string) *client {
	c := &client{c: dial(t, url), frames: make(chan string, 64), closed: make(chan error, 1)}
	go func() {
		for {
			_, b, err := c.c.Read(context.Background())
			if err != nil {
				c.closed <- err
				return
			}
			c.frames <- string(b)
		}
	}()
	return c
}

// await returns the first frame for which ok is true, failing after 30 seconds.
func (c *client) await(t *testing.T, what string, ok func(string) bool) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case f := <-c.frames:
			if ok(f) {
				return f
			}
		case err := <-c.closed:
			t.Fatalf("waiting for %s: the connection closed: %v", what, err)
		case <-timeout:
			t.Fatalf("no %s within 30s", what)
		}
	}
}

// jsString quotes s for JavaScript.
func jsString(s string) string { return strconv.Quote(s) }

// TestDashboardInChromium drives the admin dashboard in headless Chromium: a connection that
// opens shows in the list, its frames show, a message sent from the page reaches the client,
// and closing it from the page closes the client. With SWITCHBOARD_SCREENSHOTS=DIR it saves
// the page at desktop and phone sizes as DIR/dashboard.png and DIR/dashboard-phone.png.
func TestDashboardInChromium(t *testing.T) {
	needChromium(t)
	echo := func(_ context.Context, r events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: r.Body}, nil
	}
	api := startAPI(t, switchboard.Props{
		Name:           "chat",
		Stage:          switchboard.Stage{Name: "dev", DetailedMetrics: true},
		ConnectionTags: map[string]string{"room": "$request.querystring.room"},
		Routes: map[string]switchboard.Route{
			"$connect":    {Handler: echo},
			"$disconnect": {Handler: echo},
			"sendMessage": {Handler: echo, ReturnResponse: true},
		},
	})
	presence := startAPI(t, switchboard.Props{
		Name:   "presence",
		Stage:  switchboard.Stage{Name: "dev"},
		Routes: map[string]switchboard.Route{"ping": {Handler: echo}},
	})
	adm, err := switchboard.NewAdmin(api, presence)
	if err != nil {
		t.Fatal(err)
	}
	admin := httptest.NewServer(adm.Handler())
	t.Cleanup(func() {
		adm.Close() // ends the page's event stream, which the server's Close would wait for
		admin.Close()
	})
	ctx := browser(t)

	if err := chromedp.Do(ctx, chromedp.Navigate(admin.URL+"/")); err != nil {
		t.Fatal(err)
	}
	waitPage(t, ctx, "the page to go live", `document.getElementById("live").dataset.state === "live"`)
	if n := pageValue[int](t, ctx, `document.querySelectorAll("#route-table tbody tr").length`); n != 3 {
		t.Errorf("the page lists %d routes, want 3", n)
	}
	if opts := pageValue[[]string](t, ctx, `[...document.getElementById("api-select").options].map((o) => o.textContent)`); len(opts) != 2 || opts[0] != "chat (dev)" || opts[1] != "presence (dev)" {
		t.Errorf("the API selector offers %q", opts)
	}
	unlabelled := pageValue[[]string](t, ctx, `[...document.querySelectorAll("input, textarea, select")].filter((e) => e.labels.length === 0).map((e) => e.id)`)
	if len(unlabelled) > 0 {
		t.Errorf("form fields without a label: %v", unlabelled)
	}

	// A connection opens: the page lists it.
	c := dialClient(t, api.URL()+"?room=lobby")
	other := dialClient(t, api.URL()+"?room=kitchen")
	id := connectionIDs(t, api, "lobby")
	row := fmt.Sprintf(`tr[data-id=%s]`, jsString(id))
	waitPage(t, ctx, "the connection in the list", fmt.Sprintf(`document.querySelector(%s) !== null`, jsString(row)))
	if got := pageValue[string](t, ctx, fmt.Sprintf(`document.querySelector(%s).cells[3].textContent`, jsString(row))); got != "room=lobby" {
		t.Errorf("the connection's tags show as %q, want room=lobby", got)
	}

	// The client sends a frame (echoed back by the two-way route); the page shows both.
	send(t, c.c, `{"action":"sendMessage","text":"hello from the client"}`)
	c.await(t, "the echo", func(f string) bool { return strings.Contains(f, "hello from the client") })
	send(t, other.c, `{"action":"sendMessage","text":"another room"}`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(row+" button"))); err != nil {
		t.Fatal(err)
	}
	waitPage(t, ctx, "the client's frame and its echo", `(() => {
		const f = [...document.querySelectorAll("#frames li")].filter((li) => li.textContent.includes("hello from the client"));
		return f.some((li) => li.dataset.dir === "in") && f.some((li) => li.dataset.dir === "out");
	})()`)

	// A message typed in the page and sent with the keyboard reaches the client, and shows as
	// a frame out.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("send-data"), "hello from the dashboard"),
		chromedp.Focus(chromedp.ID("send")),
		chromedp.KeyEvent("\r"),
	); err != nil {
		t.Fatal(err)
	}
	c.await(t, "the dashboard's message", func(f string) bool { return f == "hello from the dashboard" })
	waitPage(t, ctx, "the sent message among the frames", `[...document.querySelectorAll("#frames li[data-dir=out]")].some((li) => li.textContent.includes("hello from the dashboard"))`)
	waitPage(t, ctx, "the traffic of sendMessage", `[...document.querySelectorAll("#traffic-table tbody tr")].some((tr) => tr.cells[0].textContent === "sendMessage" && tr.cells[5].textContent !== "0")`)

	if dir := os.Getenv("SWITCHBOARD_SCREENSHOTS"); dir != "" {
		screenshots(t, ctx, dir)
	}

	// Close from the page: the client sees a normal closure, the page marks it closed.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("close-conn"))); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-c.closed:
		if s := websocket.CloseStatus(err); s != websocket.StatusNormalClosure {
			t.Errorf("the client saw %v, want close 1000", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the client was not closed within 30s")
	}
	waitPage(t, ctx, "the connection marked closed", `document.getElementById("conn-status").textContent === "closed" && document.getElementById("send").disabled`)
	waitPage(t, ctx, "the connection gone from the list", fmt.Sprintf(`document.querySelector(%s) === null`, jsString(row)))
	if got := pageValue[string](t, ctx, `document.getElementById("notice").textContent`); !strings.Contains(got, "Closed") {
		t.Errorf("the page's notice after closing is %q", got)
	}

	// The second API, chosen in the selector, shows its own routes and connections.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.getElementById("api-select");
		s.value = "1";
		s.dispatchEvent(new Event("change"));
	})()`)); err != nil {
		t.Fatal(err)
	}
	waitPage(t, ctx, "the second API's routes", `[...document.querySelectorAll("#route-table tbody th")].map((th) => th.textContent).join() === "ping"`)
	waitPage(t, ctx, "the second API's connections", `document.getElementById("conn-count").textContent === "0" && document.getElementById("conn").hidden && location.hash === "#api=1"`)
}

// connectionIDs returns the id of the one connection tagged room.
func connectionIDs(t *testing.T, api *switchboard.API, room string) string {
	t.Helper()
	var page *switchboard.ConnectionPage
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		page, err = api.ListConnections(context.Background(), switchboard.ListOptions{Tags: map[string]string{"room": room}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Connections) == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(page.Connections) != 1 {
		t.Fatalf("%d connections in room %s, want 1", len(page.Connections), room)
	}
	return page.Connections[0].ConnectionID
}

// screenshots saves the whole page at a width of 1280 (the viewport 1280×800) and a phone's
// 390×844 viewport, after checking that the phone-sized page needs no sideways scrolling.
func screenshots(t *testing.T, ctx context.Context, dir string) {
	t.Helper()
	waitPage(t, ctx, "rates in the traffic table", `document.getElementById("traffic-note").textContent.includes("over the last")`)
	shoot := func(name string, shot chromedp.Action[[]byte]) {
		png, err := chromedp.Run(ctx, shot)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", filepath.Join(dir, name))
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	shoot("dashboard.png", chromedp.FullScreenshot(100))
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	waitPage(t, ctx, "the phone layout", `window.innerWidth === 390`)
	if wide := pageValue[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`); wide {
		t.Error("the page scrolls sideways at 390 px")
	}
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.ID("conn"))); err != nil {
		t.Fatal(err)
	}
	shoot("dashboard-phone.png", chromedp.CaptureScreenshot())
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}
