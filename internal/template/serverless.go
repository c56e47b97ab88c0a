package template

// serverless reads a serverless.yml.
func (t *tmpl) serverless() (*Result, error) {
	return nil, nil
}
