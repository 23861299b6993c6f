NAME          TINY_MAX
OBJSENSE
    MAX
ROWS
 N  obj
 L  cap
COLUMNS
    MARKER                 'MARKER'                 'INTORG'
    x         obj                  3   cap                  2
    y         obj                  2   cap                  2
    MARKER                 'MARKER'                 'INTEND'
RHS
    RHS       cap                  7
BOUNDS
 UP BND       x                   10
 UP BND       y                   10
ENDATA
