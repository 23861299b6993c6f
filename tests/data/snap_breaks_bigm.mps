ROWS
 N  Obj     
 G  _lit0   
 L  _bigm0  
 L  _bigm1  
 G  _or1    
 G  _abs2   
 G  _abs3   
COLUMNS
    MARK0000  'MARKER'                 'INTORG'
    n1        _bigm0    1
    n1        _abs2     1
    n1        _abs3     -1
    n2        Obj       -1
    n2        _bigm0    1
    n2        _bigm1    -1
    b         _lit0     -1
    MARK0001  'MARKER'                 'INTEND'
    y         _bigm0    -2
    y         _abs2     1
    y         _abs3     -1
    _abs1     Obj       1
    _abs1     _abs2     1
    _abs1     _abs3     1
    MARK0002  'MARKER'                 'INTORG'
    _ind0     _bigm0    -12.00001
    _ind0     _or1      -1
    _ind1     _bigm1    2
    _ind1     _or1      1
    MARK0003  'MARKER'                 'INTEND'
RHS
    RHS_V     _bigm0    -4.0000099999999996
    RHS_V     _bigm1    2
BOUNDS
 LI BOUND     n1        -2
 UI BOUND     n1        2
 LI BOUND     n2        -2
 UI BOUND     n2        2
 BV BOUND     b       
 LO BOUND     y         -2
 UP BOUND     y         2
 LO BOUND     _abs1     -1.0000000000000001e-09
 UP BOUND     _abs1     4.0000000040000003
 BV BOUND     _ind0   
 BV BOUND     _ind1   
ENDATA
