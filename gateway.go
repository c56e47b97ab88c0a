package switchboard

import (
	"context"
	"net"
	"net/http"

	"github.com/switchboardhq/switchboard/internal/app"
)

// Gateway serves several APIs on one listener, as one API Gateway endpoint serves many APIs:
// a request goes to the API whose custom domain (Host header, or TLS server name) and mapping
// path it names, else whose AWS host name {apiId}.execute-api.{region}.amazonaws.com it names,
// else whose stage path /{stage} it starts with. What no API claims gets 403
// {"message":"Forbidden"}. Each API keeps its own routes, functions, authorizer and logs.
//
// Use NewGateway, then StartOn (or Serve), and Shutdown. An API's own Start serves it alone.
type Gateway struct {
	gw   *app.Gateway
	apis []*API
}

// NewGateway checks that no two of apis answer the same host and path (the error names both
// files and lines) and loads their custom domains' certificates (an unreadable, mismatched or
// expired one is an error naming the file). It starts nothing.
func NewGateway(apis ...*API) (*Gateway, error) {
	apps := make([]*app.App, len(apis))
	for i, a := range apis {
		apps[i] = a.app
	}
	gw, err := app.NewGateway(apps, nil)
	if err != nil {
		return nil, err
	}
	return &Gateway{gw: gw, apis: apis}, nil
}

// StartOn listens on addr ("" for the first API's server.listen; "127.0.0.1:0" picks a free
// port), starts every API's function workers (every broken handler of every API is reported at
// once) and serves in the background until Shutdown.
func (g *Gateway) StartOn(ctx context.Context, addr string) error { return g.gw.Start(ctx, addr) }

// Serve serves on a listener the caller created, in the background, after starting every API's
// function workers.
func (g *Gateway) Serve(ctx context.Context, ln net.Listener) error { return g.gw.Serve(ctx, ln) }

// Wait blocks until the listener stops serving and returns its error, if any.
func (g *Gateway) Wait() error { return g.gw.Wait() }

// Addr is the listener's address once started.
func (g *Gateway) Addr() net.Addr { return g.gw.Addr() }

// Handler returns the gateway as an http.Handler for a server of your own (TLS certificates by
// server name are then that server's business).
func (g *Gateway) Handler() http.Handler { return g.gw.Handler() }

// APIs returns the APIs served, in the order given to NewGateway.
func (g *Gateway) APIs() []*API { return g.apis }

// Shutdown stops accepting connections, closes every client of every API with 1001, delivers
// $disconnect for each (waiting at most until ctx ends) and releases the handlers' resources.
func (g *Gateway) Shutdown(ctx context.Context) error { return g.gw.Shutdown(ctx) }
