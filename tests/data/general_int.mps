NAME          GENINT
* Integer columns inside the markers: B has no bounds (so binary), N, M and P have
* explicit bounds that must be kept. Y is continuous. Optimum -20.5.
ROWS
 N  COST
 L  CAP
 G  NEED
 E  BAL
COLUMNS
    MARKER                 'MARKER'                 'INTORG'
    B         COST         -1.0         CAP          1.0
    N         COST         -2.0         CAP          1.0
    N         NEED         1.0
    M         COST         1.0          NEED         1.0
    M         BAL          1.0
    P         COST         0.5          BAL          1.0
    MARKER                 'MARKER'                 'INTEND'
    Y         COST         1.0          CAP          1.0
    Y         BAL          -1.0
RHS
    RHS       CAP          12.5         NEED         3.0
    RHS       BAL          4.0
BOUNDS
 UP BND       N            10.0
 LO BND       M            -3.0
 UP BND       M            7.0
 PL BND       P
ENDATA
