package config

// retentionDays maps each of SST's log retention values to its number of days, CloudWatch
// Logs' RetentionInDays for it; 0 is forever.
var retentionDays = map[string]int{
	"one_day": 1, "three_days": 3, "five_days": 5, "one_week": 7, "two_weeks": 14,
	"one_month": 30, "two_months": 60, "three_months": 90, "four_months": 120,
	"five_months": 150, "six_months": 180, "one_year": 365, "thirteen_months": 400,
	"eighteen_months": 545, "two_years": 731, "five_years": 1827, "ten_years": 3653,
	"infinite": 0,
	"1 day":    1, "3 days": 3, "5 days": 5, "1 week": 7, "2 weeks": 14, "1 month": 30,
	"2 months": 60, "3 months": 90, "4 months": 120, "5 months": 150, "6 months": 180,
	"1 year": 365, "13 months": 400, "18 months": 545, "2 years": 731, "3 years": 1096,
	"5 years": 1827, "6 years": 2192, "7 years": 2557, "8 years": 2922, "9 years": 3288,
	"10 years": 3653, "forever": 0,
}

// RetentionDays is how many days access log files are kept (key `accessLog.retention`), as
// CloudWatch Logs keeps a log group's events for the retention SST sets: 0 means forever (no
// retention, "infinite" or "forever").
func (a AccessLog) RetentionDays() int { return retentionDays[a.Retention] }
