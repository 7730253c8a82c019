// Radix-4 Booth multiplier terms for a signed W x W product (W even), the usual way:
// W/2 partial products of W+1 bits selected from {0, +-a, +-2a}; negation as one's
// complement plus a 1 injected at the partial product's LSB (vector N); sign extension
// replaced by inverting each partial product's sign bit and adding the constant C.
// y = sum_j T[j] + N + C (mod 2^2W) equals a*b. Summed by the caller so that yosys
// builds one carry-save tree over all terms.
module booth_pp #(parameter W = 16) (
  input [W-1:0] a, input [W-1:0] b,
  output [2*W*(W/2)-1:0] t, output [2*W-1:0] n);
  wire [W:0] bx = {b, 1'b0};
  genvar j;
  generate for (j = 0; j < W/2; j = j + 1) begin : pp
    wire [2:0] d = bx[2*j+2 : 2*j];
    wire one = d[0] ^ d[1];
    wire two = (d == 3'b100) | (d == 3'b011);
    wire neg = d[2];
    wire [W:0] mag = one ? {a[W-1], a} : two ? {a, 1'b0} : {(W+1){1'b0}};
    wire [W:0] ppx = neg ? ~mag : mag;
    wire [2*W-1:0] term = {{(W-1){1'b0}}, ~ppx[W], ppx[W-1:0]};
    assign t[2*W*j +: 2*W] = term << (2*j);
    assign n[2*j] = neg;
    assign n[2*j+1] = 1'b0;
  end endgenerate
  assign n[2*W-1:W] = {W{1'b0}};
endmodule

module mulb #(parameter W = 16) (input clk, input [W-1:0] a, input [W-1:0] b, output reg [2*W-1:0] y);
  function [2*W-1:0] cst;   // -sum_j 2^(W+2j): the sign-extension constant
    integer k;
    begin cst = 0; for (k = 0; k < W/2; k = k + 1) cst = cst - ({{(2*W-1){1'b0}}, 1'b1} << (W + 2*k)); end
  endfunction
  reg [W-1:0] ar, br;
  wire [2*W*(W/2)-1:0] t; wire [2*W-1:0] n;
  booth_pp #(W) u(ar, br, t, n);
  wire [2*W-1:0] s [0:W/2];
  assign s[0] = n + cst(0);
  genvar j;
  generate for (j = 0; j < W/2; j = j + 1) begin : sum
    assign s[j+1] = s[j] + t[2*W*j +: 2*W];
  end endgenerate
  always @(posedge clk) begin ar <= a; br <= b; y <= s[W/2]; end
endmodule

module mulb_s8 (input clk, input [7:0] a, b, output [15:0] y);  mulb #(8) u(clk, a, b, y); endmodule
module mulb_s16(input clk, input [15:0] a, b, output [31:0] y); mulb #(16) u(clk, a, b, y); endmodule
module mulb_s32(input clk, input [31:0] a, b, output [63:0] y); mulb #(32) u(clk, a, b, y); endmodule

// DaDN IP with Booth lanes: all 16 x 8 partial products, the 16 correction vectors, the
// constants and the accumulator are summed in one carry-save tree (mod 2^32).
module dadn_ip_booth(input clk, input [255:0] act, input [255:0] wgt, output [31:0] out);
  reg [255:0] a_r, w_r;
  reg [31:0] acc;
  wire [32*8*16-1:0] t; wire [32*16-1:0] n;
  genvar i, j;
  generate for (i = 0; i < 16; i = i + 1) begin : lane
    booth_pp #(16) u(a_r[16*i +: 16], w_r[16*i +: 16], t[256*i +: 256], n[32*i +: 32]);
  end endgenerate
  // 16 lanes x (-sum_j 2^(16+2j)) mod 2^32 = 16 x 32'hAAAB0000
  localparam [31:0] C16 = 32'hAAB00000;
  wire [31:0] s [0:16*9];
  assign s[0] = acc + C16;
  generate for (i = 0; i < 16; i = i + 1) begin : acc_lane
    assign s[9*i+1] = s[9*i] + n[32*i +: 32];
    for (j = 0; j < 8; j = j + 1) begin : acc_pp
      assign s[9*i+2+j] = s[9*i+1+j] + t[256*i + 32*j +: 32];
    end
  end endgenerate
  always @(posedge clk) begin a_r <= act; w_r <= wgt; acc <= s[16*9]; end
  assign out = acc;
endmodule
