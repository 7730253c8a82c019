// DaDianNao-style inner-product unit: 16 lanes of signed 16b x 16b multiply,
// a balanced 16-input adder tree, and a 32-bit accumulator. Operand registers
// hold 16 activations and 16 weights; all are reloaded every cycle.
// Sums are kept at 32 bits (mod 2^32), the accumulator width.
module dadn_ip(input clk, input [255:0] act, input [255:0] wgt, output [31:0] out);
  reg [255:0] a_r, w_r;
  reg [31:0] acc;
  wire [31:0] p [0:15];
  genvar i;
  generate for (i = 0; i < 16; i = i + 1) begin : lane
    assign p[i] = $signed(a_r[16*i +: 16]) * $signed(w_r[16*i +: 16]);
  end endgenerate
  wire [31:0] s1 [0:7]; wire [31:0] s2 [0:3]; wire [31:0] s3 [0:1]; wire [31:0] s4;
  generate
    for (i = 0; i < 8; i = i + 1) begin : l1 assign s1[i] = p[2*i] + p[2*i+1]; end
    for (i = 0; i < 4; i = i + 1) begin : l2 assign s2[i] = s1[2*i] + s1[2*i+1]; end
    for (i = 0; i < 2; i = i + 1) begin : l3 assign s3[i] = s2[2*i] + s2[2*i+1]; end
  endgenerate
  assign s4 = s3[0] + s3[1];
  always @(posedge clk) begin a_r <= act; w_r <= wgt; acc <= acc + s4; end
  assign out = acc;
endmodule
