// Single arithmetic operators, with registered inputs and outputs so that
// gate-level power analysis has a clock. No reset: power runs start from random data.
module op_add #(parameter W = 8, parameter S = 0) (
  input clk, input [W-1:0] a, input [W-1:0] b, output reg [W:0] y);
  reg [W-1:0] ar, br;
  wire [W:0] ae = S ? {ar[W-1], ar} : {1'b0, ar};   // sign- or zero-extend
  wire [W:0] be = S ? {br[W-1], br} : {1'b0, br};
  always @(posedge clk) begin ar <= a; br <= b; y <= ae + be; end
endmodule

module op_mul #(parameter W = 8, parameter S = 0) (
  input clk, input [W-1:0] a, input [W-1:0] b, output reg [2*W-1:0] y);
  reg [W-1:0] ar, br;
  wire [2*W-1:0] pu = ar * br;
  wire signed [2*W-1:0] ps = $signed(ar) * $signed(br);
  always @(posedge clk) begin ar <= a; br <= b; y <= S ? ps : pu; end
endmodule

module add_u8 (input clk, input [7:0] a, b, output [8:0] y);   op_add #(8, 0) u(clk, a, b, y); endmodule
module add_s8 (input clk, input [7:0] a, b, output [8:0] y);   op_add #(8, 1) u(clk, a, b, y); endmodule
module add_u16(input clk, input [15:0] a, b, output [16:0] y); op_add #(16, 0) u(clk, a, b, y); endmodule
module add_s16(input clk, input [15:0] a, b, output [16:0] y); op_add #(16, 1) u(clk, a, b, y); endmodule
module add_u32(input clk, input [31:0] a, b, output [32:0] y); op_add #(32, 0) u(clk, a, b, y); endmodule
module add_s32(input clk, input [31:0] a, b, output [32:0] y); op_add #(32, 1) u(clk, a, b, y); endmodule
module mul_u8 (input clk, input [7:0] a, b, output [15:0] y);  op_mul #(8, 0) u(clk, a, b, y); endmodule
module mul_s8 (input clk, input [7:0] a, b, output [15:0] y);  op_mul #(8, 1) u(clk, a, b, y); endmodule
module mul_u16(input clk, input [15:0] a, b, output [31:0] y); op_mul #(16, 0) u(clk, a, b, y); endmodule
module mul_s16(input clk, input [15:0] a, b, output [31:0] y); op_mul #(16, 1) u(clk, a, b, y); endmodule
module mul_u32(input clk, input [31:0] a, b, output [63:0] y); op_mul #(32, 0) u(clk, a, b, y); endmodule
module mul_s32(input clk, input [31:0] a, b, output [63:0] y); op_mul #(32, 1) u(clk, a, b, y); endmodule

// Register-only reference: 32 plain D flip-flops fed by random data, to price one clocked bit.
module reg32(input clk, input [31:0] d, output reg [31:0] q);
  always @(posedge clk) q <= d;
endmodule
