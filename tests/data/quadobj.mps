NAME          quadobj
OBJSENSE
    MAX
ROWS
 N  profit
 L  cap
 G  need
 E  bal
 N  spare
COLUMNS
    x         profit    1.0        cap       2.0
    x         spare     9.0
    MARKER    'MARKER'  'INTORG'
    n         profit    -3.0       cap       1.0
    MARKER    'MARKER'  'INTEND'
    y         profit    0.5        need      1.0
    y         bal       1.0
    z         need      -1.0       bal       2.0
RHS
    RHS       profit    4.0        cap       10.0
    RHS       need      -2.0       bal       1.5
RANGES
    RNG       cap       6.0        bal       -2.0
BOUNDS
 UP BND       x         4.0
 LI BND       n         -2
 UI BND       n         7
 FR BND       y
 MI BND       z
 UP BND       z         3.0
QUADOBJ
    x         x         -2.0
    y         x         0.5
    y         y         -1.0
    z         z         -4.0
ENDATA
