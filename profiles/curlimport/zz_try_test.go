package curlimport_test

import (
	"fmt"
	"os"
	"testing"

	"siphon/profiles/curlimport"
)

func TestTry(t *testing.T) {
	b, _ := os.ReadFile(os.Getenv("CMDFILE"))
	r, err := curlimport.Parse(string(b), os.Getenv("NAME"))
	if err != nil {
		fmt.Println("ERROR:", err)
		return
	}
	fmt.Printf("%q\n", r.YAML)
}
