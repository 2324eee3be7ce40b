package query

import "fmt"

// Error is a query the caller has to change: a parameter that does not
// parse, or a valid query over one of the Limits. The API answers it with
// 400 and a problem detail naming Param.
type Error struct {
	Param    string // the query parameter at fault: interval, from, to, metric, match, agg, fn, limit
	Message  string
	TooLarge bool // valid, but asks for more than the Limits allow
}

func (e *Error) Error() string { return e.Param + ": " + e.Message }

func invalidf(param, format string, args ...any) *Error {
	return &Error{Param: param, Message: fmt.Sprintf(format, args...)}
}

func tooLargef(param, format string, args ...any) *Error {
	return &Error{Param: param, Message: fmt.Sprintf(format, args...), TooLarge: true}
}
