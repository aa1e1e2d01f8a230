package db

import "context"

// InTxForTest exposes inTx to the external tests: fn gets an exec function
// bound to the transaction.
func InTxForTest(ctx context.Context, s *Store, fn func(exec func(sql string, args ...any) error) error) error {
	return s.inTx(ctx, func(q txQueries) error {
		return fn(func(sql string, args ...any) error {
			_, err := q.tx.Exec(ctx, sql, args...)
			return err
		})
	})
}
