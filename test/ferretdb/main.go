// Command ferretdb runs FerretDB 1.24.2 with its SQLite backend as a MongoDB wire-protocol server for
// Collaboratory's tests. It embeds the library package instead of building cmd/ferretdb because the
// latter panics at start when built from the module proxy (its generated version file is missing,
// FerretDB issue #2982); the embedded package skips that check.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on (port 0 picks a free one)")
	dir := flag.String("sqlite-dir", "", "existing directory that holds the SQLite databases")
	uriFile := flag.String("uri-file", "", "when set, the MongoDB URI is also written to this file once listening")
	flag.Parse()

	if *dir == "" {
		fmt.Fprintln(os.Stderr, "ferretdb: -sqlite-dir is required")
		os.Exit(2)
	}

	// Warnings only: tests read the URI from stdout and the info log is one line per connection.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dir + "/",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()

	// MongoDBURI blocks until the listener is bound, so the port is known when it returns.
	uri := f.MongoDBURI()
	if *uriFile != "" {
		tmp := *uriFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(uri+"\n"), 0o644); err == nil {
			_ = os.Rename(tmp, *uriFile)
		}
	}
	fmt.Println(uri)

	<-done
}
