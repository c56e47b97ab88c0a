// Command initerror fails its initialisation the way Lambda's Node.js and Python runtime clients
// do when the handler module cannot be loaded: it reports the error to the Runtime API's
// /runtime/init/error and exits.
package main

import (
	"log"
	"net/http"
	"os"
	"strings"
)

func main() {
	url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
	body := `{"errorMessage":"Cannot find module 'missing-dependency'","errorType":"Runtime.ImportModuleError","stackTrace":["at load (index.js:1:1)"]}`
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Lambda-Runtime-Function-Error-Type", "Runtime.ImportModuleError")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	log.Printf("init error reported: %s", resp.Status)
	os.Exit(1)
}
