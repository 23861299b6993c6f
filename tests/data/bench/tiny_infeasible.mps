NAME          TINY_INFEASIBLE
ROWS
 N  obj
 E  odd
COLUMNS
    MARKER                 'MARKER'                 'INTORG'
    x         obj                  1   odd                  2
    y         obj                  1   odd                  2
    MARKER                 'MARKER'                 'INTEND'
RHS
    RHS       odd                  3
BOUNDS
 UP BND       x                    5
 UP BND       y                    5
ENDATA
