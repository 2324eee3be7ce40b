package api

import (
	"math"
	"strconv"
)

// pointList is an answer's points, written as [[unix_ms, value], …] with
// the time as an integer. A value JSON cannot hold (±Inf, NaN) is null.
type pointList [][2]float64

// MarshalJSON writes the list in one buffer, without reflection.
func (p pointList) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+len(p)*32)
	b = append(b, '[')
	for i, pt := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(pt[0]), 10)
		b = append(b, ',')
		if v := pt[1]; math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
		b = append(b, ']')
	}
	return append(b, ']'), nil
}
