package suite

import "time"

// Report is everything one run measured.
type Report struct {
	Title    string // the date, "smoke-" first for a smoke run
	Smoke    bool
	Started  time.Time
	Elapsed  time.Duration
	Machine  Machine
	Servers  []string // command lines of the servers the rows ran against
	Sections []*Section
	Budgets  []Budget
	Profiles []string // file names in the profile directory
	Notes    []string
}

// Section is a group of rows: one kind of measurement.
type Section struct {
	Title string
	About string // what the rows measure, in a sentence or two
	Rows  []*Row
}

// Row is one measurement of Switchboard, and its baseline when it has one.
type Row struct {
	Key      string // what budgets refer to it by, e.g. "loop-inproc-100"
	Title    string
	Sub      *load       // Switchboard's run
	Base     *load       // the baseline's run with the same settings
	BaseName string      // the baseline's name, e.g. "bare echo"
	Idle     *idleResult // idle-memory rows
	Use      *rowUse     // memory and CPU of both sides' process trees (Node.js rows)
	Cold     *coldStart  // cold-start rows
	Command  string      // the command of a row measured by something else than the load generator
	NotRun   string      // why the row could not run here
	Err      string      // what went wrong
	Note     string
}

// rowUse is what both sides' process trees used during a row's runs.
type rowUse struct {
	Sub, Base               treeUse
	SubReplies, BaseReplies int64 // replies of the runs, warmups included: CPU time is per reply
}

// failed reports whether the row has an error of the suite's own (not a "not run").
func (r *Row) failed() bool { return r.Err != "" }

// add appends a row to the section and returns it.
func (sec *Section) add(r *Row) *Row {
	sec.Rows = append(sec.Rows, r)
	return r
}

// section adds a section to the report.
func (rep *Report) section(title, about string) *Section {
	sec := &Section{Title: title, About: about}
	rep.Sections = append(rep.Sections, sec)
	return sec
}

// row finds a row by key.
func (rep *Report) row(key string) *Row {
	for _, sec := range rep.Sections {
		for _, r := range sec.Rows {
			if r.Key == key {
				return r
			}
		}
	}
	return nil
}
